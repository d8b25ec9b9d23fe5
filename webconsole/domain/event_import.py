"""File events from a file: JSON Lines or CSV in the original's v1 field names (`flask import-events`).

Each line is checked on its own by the parser every other door uses (events.parse_event): a bad
line is reported with its number and skipped, the good ones are stored. The file is read as bytes
and decoded line by line, so an invalid byte costs only its own line. Events are stored under the
origin "import": importing the same file again adds nothing.

Owners come from the events themselves: deviceUserName names a console user (user and org), and
osHostName one of that user's devices (or anyone's, when exactly one device has that hostname).
"""
import codecs
import csv
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select

from webconsole.domain import events
from webconsole.domain.database import refresh_statistics
from webconsole.domain.errors import DomainError
from webconsole.extensions import db
from webconsole.models import Device, User
from webconsole.models.base import utcnow

ORIGIN = "import"
FORMATS = ("jsonl", "csv")
CHUNK = 10_000  # events per executemany
COMMIT_EVERY = 50_000  # events per transaction
ERROR_LIMIT = 100  # refused lines kept (with their reasons) for the report; the rest are counted
LOOKUP_LIMIT = 500  # values per IN (...) of an owner look-up
PROGRESS_STEP = 1 << 20  # report progress every MiB read
# SQLite page cache while importing: the SHA-256, user and device indexes take each chunk to pages
# all over them; beyond a million events they outgrow the app's cache (SQLITE_CACHE_KIB) and every
# chunk reads and spills pages (about 30% of the import's time at a million events).
IMPORT_CACHE_KIB = 262_144

# CSV cells are text; these fields are turned into the values their JSON form would hold.
LIST_FIELDS = ("exposure", "tabUrls", "tabTitles", "emailRecipients", "privateIpAddresses", "riskIndicatorNames")
NUMBER_FIELDS = ("fileSize", "riskScore", "removableMediaCapacity")
FLAG_FIELDS = ("mimeTypeMismatch", "outsideActiveHours")

_WHOLE = re.compile(r"-?[0-9]+")
_DIGITS = re.compile(r"[0-9]+")
# A \uD800-\uDFFF escape: JSON decodes a lone one into a string no database accepts.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class ImportRefused(DomainError):
    """The file as a whole cannot be imported (e.g. a CSV header without the required fields)."""


@dataclass
class ImportResult:
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    errors: list = field(default_factory=list)  # (line number, reason) of the first ERROR_LIMIT refused lines

    def refuse(self, number, reason):
        self.refused += 1
        if len(self.errors) < ERROR_LIMIT:
            self.errors.append((number, reason))


def detect_format(path):
    """"jsonl" for .jsonl/.ndjson files and files whose first non-blank character is `{`, else "csv"."""
    extension = os.path.splitext(path)[1].lower()
    if extension in (".jsonl", ".ndjson"):
        return "jsonl"
    if extension == ".csv":
        return "csv"
    with open(path, "rb") as stream:
        head = stream.read(65536).removeprefix(codecs.BOM_UTF8).lstrip()
    return "jsonl" if head.startswith(b"{") else "csv"


def import_file(path, fmt=None, progress=None):
    """Import the events of the file at `path`; an ImportResult. `progress(n)` is told of bytes read."""
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ImportRefused(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    result, owners = ImportResult(), _Owners()
    parse, invalid = events.parse_event, events.InvalidEvent
    chunk, uncommitted = [], 0
    with open(path, "rb") as stream, larger_page_cache(IMPORT_CACHE_KIB):
        lines = _lines(stream, progress or (lambda n: None))
        records = _json_records(lines, result) if fmt == "jsonl" else _csv_records(lines, result)
        for number, raw in records:
            try:
                chunk.append(parse(raw))
            except invalid as error:
                result.refuse(number, str(error))
                continue
            if len(chunk) >= CHUNK:
                _store(chunk, owners, result)
                uncommitted += len(chunk)
                chunk = []
                if uncommitted >= COMMIT_EVERY:
                    db.session.commit()
                    uncommitted = 0
        if chunk:
            _store(chunk, owners, result)
        db.session.commit()
    if result.stored >= COMMIT_EVERY:
        refresh_statistics()  # a big import changes the shape of the table the planner relies on
    return result


@contextmanager
def larger_page_cache(kib):
    """A bigger SQLite page cache for the session's connection (one connection: the CLI's) while inside;
    for bulk loads."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{int(kib)}")
    try:
        yield
    finally:
        db.session.rollback()  # nothing is left uncommitted on success; on failure, the last chunks go
        db.session.connection().exec_driver_sql(f"PRAGMA cache_size={int(before)}")
        db.session.commit()


def _store(rows, owners, result):
    owners.fill(rows)
    # events.store's bulk path, without its commit after every call (import_file commits less often).
    extra = {"origin": ORIGIN, "inserted_at": utcnow()}
    stored = events.bulk_insert([{**row, **extra} for row in rows])
    result.stored += stored
    result.duplicates += len(rows) - stored


def _lines(stream, progress):
    """(line number, bytes) of every line; the byte-order mark of the first is dropped."""
    done = 0
    for number, raw in enumerate(stream, start=1):
        if number == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        yield number, raw
        done += len(raw)
        if done >= PROGRESS_STEP:
            progress(done)
            done = 0
    progress(done)


def _json_records(lines, result):
    """(line number, decoded JSON value) of each non-blank line; bad lines are refused."""
    loads = json.loads
    for number, raw in lines:
        if not raw.strip():
            continue
        try:
            text = raw.decode()
        except UnicodeDecodeError as error:
            result.refuse(number, f"not valid UTF-8 (byte {error.start + 1})")
            continue
        try:
            value = loads(text)
        except json.JSONDecodeError as error:
            column = min(error.pos, len(text.rstrip("\r\n"))) + 1  # the end of the line, not the next line
            result.refuse(number, f"not valid JSON ({error.msg} at column {column})")
            continue
        except (ValueError, RecursionError) as error:  # e.g. numbers too long, arrays nested too deep
            result.refuse(number, f"not valid JSON ({error})")
            continue
        if _SURROGATE_ESCAPE.search(text) and not _encodable(value):
            result.refuse(number, "holds a \\u escape of a lone UTF-16 surrogate")
            continue
        yield number, value


def _encodable(value):
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


def _csv_records(lines, result):
    """(line number, v1 event dict) of each CSV record after the header; bad lines are refused.

    A record may span lines (a quoted cell holding a line break); it is numbered by its first line.
    """
    start = [None]

    def decoded():
        for number, raw in lines:
            try:
                text = raw.decode()
            except UnicodeDecodeError as error:
                result.refuse(number, f"not valid UTF-8 (byte {error.start + 1})")
                continue
            if start[0] is None:
                start[0] = number
            yield text

    reader = csv.reader(decoded())
    columns = width = None
    while True:
        start[0] = None
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            result.refuse(start[0], f"not valid CSV ({error})")
            continue
        if columns is None:
            if record and any(cell.strip() for cell in record):
                columns, width = _csv_columns(record), len(record)
            continue
        if not any(record):  # blank lines, and rows of empty cells (as spreadsheets end), are skipped
            continue
        if len(record) != width:
            if any(cell.strip() for cell in record):
                result.refuse(start[0], f"{len(record)} columns where the header has {width}")
            continue
        event = {}
        for n, name, convert in columns:
            cell = record[n]
            if cell:
                event[name] = convert(cell) if convert else cell
        yield start[0], event


def _csv_columns(header):
    """(index, v1 field, converter or None for text) of each column of a CSV header row."""
    names = [name.strip() for name in header]
    missing = [key for key, _column in events.REQUIRED if key not in names]
    if missing:
        raise ImportRefused(f"The CSV header lacks {', '.join(missing)}: its first row must name the "
                            "v1 fields (eventId, eventType, eventTimestamp, fileName, filePath, ...).")
    converters = {**dict.fromkeys(LIST_FIELDS, _csv_list), **dict.fromkeys(NUMBER_FIELDS, _csv_number),
                  **dict.fromkeys(FLAG_FIELDS, _csv_flag), "eventTimestamp": _csv_time}
    return [(n, name, converters.get(name)) for n, name in enumerate(names)]


def _csv_list(cell):
    return [item for item in (part.strip() for part in cell.split(",")) if item] or None


def _csv_number(cell):
    # Text that is not a whole number goes to the parser as is, which refuses it in its own words.
    text = cell.strip()
    return int(text) if _WHOLE.fullmatch(text) else (text or None)


def _csv_flag(cell):
    text = cell.strip()
    return {"true": True, "false": False}.get(text.lower(), text or None)


def _csv_time(cell):
    # ISO 8601 text, or epoch milliseconds as v1 JSON exports hold them.
    text = cell.strip()
    return int(text) if _DIGITS.fullmatch(text) else (text or None)


class _Owners:
    """Who an event belongs to, looked up in bulk per chunk and remembered across chunks."""

    def __init__(self):
        self.users = {}  # username -> [(user id, org id)], or None when no user has it
        self.hosts = {}  # hostname -> [(device id, user id, org id), ...], or None when no device has it
        self.pairs = {}  # (username, hostname) -> {"org_id", "user_id", "device_id"}

    def fill(self, rows):
        """Set org_id, user_id and device_id of each parsed event row."""
        pairs = self.pairs
        new = {(row["username"], row["hostname"]) for row in rows} - pairs.keys()
        if new:
            self._look_up(self.users, {name for name, _host in new if name}, self._users_named)
            self._look_up(self.hosts, {host for _name, host in new if host}, self._devices_named)
            for name, host in new:
                pairs[name, host] = self._owner(name, host)
        for row in rows:
            row.update(pairs[row["username"], row["hostname"]])

    @staticmethod
    def _look_up(cache, wanted, query):
        # Exact values first, then their lower case (the console keeps usernames, and the demo
        # hostnames, in lower case).
        wanted = {value for value in wanted if value not in cache}
        keys = sorted(wanted | {value.lower() for value in wanted})
        found = {}
        for n in range(0, len(keys), LOOKUP_LIMIT):
            for key, value in query(keys[n:n + LOOKUP_LIMIT]):
                found.setdefault(key, []).append(value)
        for key in keys:
            cache.setdefault(key, found.get(key))

    @staticmethod
    def _users_named(names):
        return ((u.username, (u.id, u.org_id)) for u in db.session.execute(
            select(User.id, User.username, User.org_id).where(User.username.in_(names))))

    @staticmethod
    def _devices_named(hostnames):
        return ((d.hostname, (d.id, d.user_id, d.org_id)) for d in db.session.execute(
            select(Device.id, Device.hostname, Device.user_id, Device.org_id).where(Device.hostname.in_(hostnames))))

    def _owner(self, name, host):
        users = (self.users.get(name) or self.users.get(name.lower()) or []) if name else []
        user_id, org_id = users[0] if users else (None, None)
        devices = sorted(set((self.hosts.get(host) or []) + (self.hosts.get(host.lower()) or [])))
        # The user's own device (the newest, if they have several with this name), else the only one.
        mine = [device for device in devices if user_id is not None and device[1] == user_id]
        device_id, _owner, device_org = mine[-1] if mine else devices[0] if len(devices) == 1 else (None,) * 3
        # An unknown user's event still belongs to the organization of the device it happened on.
        return {"user_id": user_id, "org_id": org_id if user_id is not None else device_org, "device_id": device_id}
