"""File events from a file: JSON Lines or CSV in the original's v1 field names (`flask import-events`).

Each line is checked on its own by the parser every other door uses (events.parse_values, the list
form of parse_event): a bad line is reported with its number and skipped, the good ones are stored.
The file is read as bytes and decoded line by line, so an invalid byte costs only its own line.
Events are stored under the origin "import": importing the same file again adds nothing.

Owners come from the events themselves: deviceUserName names a console user (user and org), and
osHostName one of that user's devices (or anyone's, when exactly one device has that hostname).

A large file is a pipeline. Worker processes parse slices of a JSON Lines file (CSV records may span
lines, so a CSV file is parsed here, in order) and leave each chunk's rows in a SQLite file of its
own; this process stores the chunks in file order with one INSERT ... SELECT each, owners joined
in from a temporary table. Parsing costs more than storing, so on two cores the insert hides behind
it. When a file would at least double the events stored (SQLite only), the indexes an import
writes out of order (device, user, SHA-256) are dropped after the first chunk and built again at
the end (bulk_load), which costs a fraction of keeping them up to date row by row. The
unique (origin, event id) index stays, so agents uploading meanwhile and re-imports stay
idempotent, and so does the time index every list walks; an import that dies before the end has
the others built again by the next one.
"""
import codecs
import csv
import json
import multiprocessing
import os
import re
import shutil
import sqlite3
import tempfile
from collections import deque
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, select, values
from sqlalchemy import column as sa_column

from webconsole.domain import events
from webconsole.domain.errors import DomainError
from webconsole.extensions import db
from webconsole.models import Device, FileEvent, User
from webconsole.models.base import utcnow
from webconsole.store import bulk_load, name_search
from webconsole.store.database import refresh_statistics

ORIGIN = "import"
FORMATS = ("jsonl", "csv")
CHUNK_BYTES = 4 << 20  # JSON Lines parsed per chunk (about 8 000 events)
CHUNK = 10_000  # CSV records per chunk
INDEX_EVERY = 50_000  # events stored between catch-ups of the file-name search index
FLUSH_ROWS = 1000  # events a chunk file is written by
PIPELINE_BYTES = 32 << 20  # smaller JSON Lines files are parsed here: starting workers costs about a second
WORKERS = min(os.cpu_count() or 1, 4)  # each parses about 50 000 events a second; more outrun the insert
WORKER_NICENESS = 10  # parsing yields the CPU to this process's insert and to the console's requests
HEAD_START = 4  # slices parsed here while the workers start (about a second)
AHEAD = 2  # chunks parsed ahead of the insert per worker: bounds the chunk files waiting on disk
ERROR_LIMIT = 100  # refused lines kept (with their reasons) for the report; the rest are counted
LOOKUP_LIMIT = 500  # values per IN (...) of an owner look-up

# CSV cells are text; these fields are turned into the values their JSON form would hold.
LIST_FIELDS = ("exposure", "tabUrls", "tabTitles", "emailRecipients", "privateIpAddresses", "riskIndicatorNames")
NUMBER_FIELDS = ("fileSize", "riskScore", "removableMediaCapacity")
FLAG_FIELDS = ("mimeTypeMismatch", "outsideActiveHours")

_WHOLE = re.compile(r"-?[0-9]+")
_DIGITS = re.compile(r"[0-9]+")
# A \uD800-\uDFFF escape: JSON decodes a lone one into a string no database accepts.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

_EVENT_AT = events.PARSED.index("event_at")
_FILE_SIZE = events.PARSED.index("file_size")
_JSON_SLOTS = tuple(n for n, column in enumerate(events.PARSED) if column in events.JSON_COLUMNS)
_FLAG_SLOTS = tuple(n for n, column in enumerate(events.PARSED) if isinstance(events.DEFAULTS.get(column), bool))
_NULLABLE_SLOTS = (_FILE_SIZE, *_JSON_SLOTS)
_NULLABLE = {events.PARSED[n] for n in _NULLABLE_SLOTS}
_json_text = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(value, ensure_ascii=False), at half the cost
_scan_json = json.JSONDecoder().scan_once
_OWNER_COLUMNS = ("org_id", "user_id", "device_id")
_STORED_COLUMNS = ("origin", "inserted_at", *_OWNER_COLUMNS, *events.PARSED)
_CHUNK_VALUES = ", ".join(f"NULLIF(e.{column}, '')" if column in _NULLABLE else f"e.{column}"
                          for column in events.PARSED)


class ImportRefused(DomainError):
    """The file as a whole cannot be imported (e.g. a CSV header without the required fields)."""

    code = "import.refused"


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
    """Import the events of the file at `path`; an ImportResult. `progress(n)` is told of bytes stored."""
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ImportRefused(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    result, size = ImportResult(), os.path.getsize(path)
    folder = tempfile.mkdtemp(prefix="webconsole-import-")
    try:
        chunks = _json_chunks(path, size, folder) if fmt == "jsonl" else _csv_chunks(path, folder)
        with db.engine.connect() as connection, _Loader(connection, result, size) as loader, closing(chunks):
            for chunk in chunks:
                loader.load(chunk)
                if progress:
                    progress(chunk.size)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if result.stored >= INDEX_EVERY:
        refresh_statistics()  # a big import changes the shape of the table the planner relies on
    return result


@dataclass
class _Chunk:
    """Parsed events of a slice of the file, in a SQLite file of their own, and what was refused."""
    path: str | None  # None when no event of the slice was stored there
    events: int = 0
    lines: int = 0  # lines of the file the slice holds
    size: int = 0  # and bytes
    errors: list = field(default_factory=list)  # (line number within the slice, reason), at most ERROR_LIMIT
    refused: int = 0


class _ChunkWriter:
    """Writes one chunk's parsed events to its file as they come, and collects its refusals."""

    def __init__(self, path, first_line=0):
        self.chunk, self.first_line, self.rows, self.stage = _Chunk(path), first_line, [], None

    def add(self, number, raw):
        try:
            values = events.parse_values(raw)
        except events.InvalidEvent as error:
            self.refuse(number, str(error))
            return
        # A chunk file holds "" for NULL and 0 or 1 for false or true: the sqlite3 module binds None and
        # bool through its adapter look-ups, which costs more than the rest of the insert.
        values[_EVENT_AT] = values[_EVENT_AT].isoformat(" ", "microseconds")  # as SQLAlchemy stores it in SQLite
        for n in _JSON_SLOTS:
            value = values[n]
            values[n] = "" if value is None else _json_text(value)
        if values[_FILE_SIZE] is None:
            values[_FILE_SIZE] = ""
        for n in _FLAG_SLOTS:
            values[n] = int(values[n])
        self.rows.append(values)
        self.chunk.events += 1
        if len(self.rows) >= FLUSH_ROWS:
            self._flush()

    def refuse(self, number, reason):
        chunk = self.chunk
        chunk.refused += 1
        if len(chunk.errors) < ERROR_LIMIT:
            chunk.errors.append((number - self.first_line, reason))

    def close(self, lines, size):
        chunk = self.chunk
        chunk.lines, chunk.size = lines, size
        if not chunk.events:
            chunk.path = None
            return chunk
        self._flush()
        self.stage.execute("COMMIT")
        self.stage.close()
        return chunk

    def _flush(self):
        # Rows go to the file a thousand at a time: the memory they held serves the next ones, where a
        # whole chunk's worth would be handed back to the system and faulted in again for the next chunk.
        if self.stage is None:
            # A scratch file: no journal and no syncs, large pages (fewer system calls); read once, deleted.
            self.stage = sqlite3.connect(self.chunk.path, isolation_level=None)
            self.stage.execute("PRAGMA page_size=65536")
            self.stage.execute("PRAGMA journal_mode=OFF")
            self.stage.execute("PRAGMA synchronous=OFF")
            self.stage.execute(f"CREATE TABLE events ({', '.join(events.PARSED)})")
            self.stage.execute("BEGIN")
        self.stage.executemany(f"INSERT INTO events VALUES ({', '.join('?' * len(events.PARSED))})", self.rows)
        self.rows = []


def _json_chunks(path, size, folder):
    """The file's chunks, parsed by worker processes when the file is large, in file order."""
    slices = [(path, start, end, os.path.join(folder, f"{n}.db")) for n, (start, end) in enumerate(_slices(path, size))]
    if size < PIPELINE_BYTES or WORKERS < 2 or len(slices) < 2:
        yield from map(_parse_json_slice, slices)
        return
    # spawn, not fork: the parent holds database connections and may run threads. Workers run at a lower
    # priority: the insert here is the part that cannot be shared out, and should never wait for a core.
    with multiprocessing.get_context("spawn").Pool(WORKERS, initializer=os.nice, initargs=(WORKER_NICENESS,)) as pool:
        todo, pending = iter(slices[HEAD_START:]), deque()
        for work in todo:
            pending.append(pool.apply_async(_parse_json_slice, (work,)))
            if len(pending) >= WORKERS * AHEAD:
                break
        yield from map(_parse_json_slice, slices[:HEAD_START])  # while the workers start
        while pending:
            chunk = pending.popleft().get()
            for work in todo:
                pending.append(pool.apply_async(_parse_json_slice, (work,)))
                break
            yield chunk


def _slices(path, size):
    """(start, end) byte offsets of about CHUNK_BYTES each, cut after a line break."""
    with open(path, "rb") as stream:
        start = 0
        while start < size:
            stream.seek(start + CHUNK_BYTES)
            stream.readline()
            end = min(stream.tell(), size)
            yield start, end
            start = end


def _parse_json_slice(work):
    """The _Chunk of the JSON Lines in bytes [start, end) of the file; line numbers count from the slice."""
    path, start, end, chunk_path = work
    writer, loads, number = _ChunkWriter(chunk_path), _loads, 0
    with open(path, "rb") as stream:
        stream.seek(start)
        done = start
        # Line by line rather than the slice at once: less memory handed back and faulted in again.
        for raw in stream:
            number, done = number + 1, done + len(raw)
            if number == 1 and start == 0:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            _parse_json_line(writer, number, raw, loads)
            if done >= end:
                break
    return writer.close(number, end - start)


def _parse_json_line(writer, number, raw, loads):
    """Parse one line (bytes, its line break included) into the writer, or refuse it."""
    if raw.isspace():
        return
    try:
        text = raw.decode()
    except UnicodeDecodeError as error:
        writer.refuse(number, f"not valid UTF-8 (byte {error.start + 1})")
        return
    try:
        value = loads(text)
    except json.JSONDecodeError as error:
        column = min(error.pos, len(text.rstrip("\r\n"))) + 1  # the end of the line, not the next line
        writer.refuse(number, f"not valid JSON ({error.msg} at column {column})")
        return
    except (ValueError, RecursionError) as error:  # e.g. numbers too long, arrays nested too deep
        writer.refuse(number, f"not valid JSON ({error})")
        return
    if "\\u" in text and _SURROGATE_ESCAPE.search(text) and not _encodable(value):
        writer.refuse(number, "holds a \\u escape of a lone UTF-16 surrogate")
        return
    writer.add(number, value)


def _loads(text):
    """json.loads of a line, straight through the C scanner it ends in; a line that is not one JSON value
    (and blanks) goes to json.loads, whose error says what is wrong."""
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        return json.loads(text)
    if end != len(text) and text[end:].strip(" \t\n\r"):  # JSON's own white space, as json.loads allows
        return json.loads(text)
    return value


def _encodable(value):
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


class _Reading:
    """How far a stream of lines has got: lines and bytes read."""
    lines = 0
    size = 0


def _lines(stream, reading):
    """(line number, bytes) of every line; the byte-order mark of the first is dropped."""
    for number, raw in enumerate(stream, start=1):
        reading.lines, reading.size = number, reading.size + len(raw)
        yield number, raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw


def _csv_chunks(path, folder):
    """The file's chunks of CHUNK records, parsed here in order (a record may span lines)."""
    reading, lines_before, size_before = _Reading(), 0, 0
    writers = [_ChunkWriter(os.path.join(folder, "0.db"))]  # refusals go to the last one

    def refuse(number, reason):
        writers[-1].refuse(number, reason)

    with open(path, "rb") as stream:
        for number, raw in _csv_records(_lines(stream, reading), refuse):
            writers[-1].add(number, raw)
            if writers[-1].chunk.events >= CHUNK:
                yield writers[-1].close(reading.lines - lines_before, reading.size - size_before)
                lines_before, size_before = reading.lines, reading.size
                writers.append(_ChunkWriter(os.path.join(folder, f"{len(writers)}.db"), lines_before))
        yield writers[-1].close(reading.lines - lines_before, reading.size - size_before)


def _csv_records(lines, refuse):
    """(line number, v1 event dict) of each CSV record after the header; bad lines are refused.

    A record may span lines (a quoted cell holding a line break); it is numbered by its first line.
    """
    start = [None]

    def decoded():
        for number, raw in lines:
            try:
                text = raw.decode()
            except UnicodeDecodeError as error:
                refuse(number, f"not valid UTF-8 (byte {error.start + 1})")
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
            refuse(start[0], f"not valid CSV ({error})")
            continue
        if columns is None:
            if record and any(cell.strip() for cell in record):
                columns, width = _csv_columns(record), len(record)
            continue
        if not any(record):  # blank lines, and rows of empty cells (as spreadsheets end), are skipped
            continue
        if len(record) != width:
            if any(cell.strip() for cell in record):
                refuse(start[0], f"{len(record)} columns where the header has {width}")
            continue
        event = {}
        for n, name, convert in columns:
            cell = record[n]
            if cell:
                event[name] = convert(cell) if convert else cell
        yield start[0], event


class _Loader:
    """Stores chunks in file order on one connection, each in a transaction of its own (events.store_events):
    owners joined in, and the deferrable indexes dropped when the file is large next to the table (SQLite)."""

    def __init__(self, connection, result, size):
        self.connection, self.result, self.size = connection, result, size
        self.sqlite = connection.dialect.name == "sqlite"
        self.owners = _Owners(connection)
        self.lines = self.unindexed = 0
        self.attached, self.deferred, self.decided = [], False, False

    def __enter__(self):
        connection = self.connection
        if self.sqlite:
            bulk_load.restore_indexes(connection)  # an import that died with them dropped
            self.cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
            connection.exec_driver_sql(f"PRAGMA cache_size=-{int(bulk_load.IMPORT_CACHE_KIB)}")
            connection.exec_driver_sql("DROP TABLE IF EXISTS temp.import_owners")
            connection.exec_driver_sql("CREATE TEMP TABLE import_owners (username TEXT NOT NULL, hostname TEXT NOT "
                                       "NULL, org_id INTEGER, user_id INTEGER, device_id INTEGER, "
                                       "PRIMARY KEY (username, hostname)) WITHOUT ROWID")
        self.stored_before = connection.scalar(select(FileEvent.id).order_by(FileEvent.id.desc()).limit(1)) or 0
        self.inserted_at = utcnow()
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self._index_names()
        else:
            self.connection.rollback()  # the chunk being stored goes; the ones committed stay
            self._detach()
        connection = self.connection
        if self.sqlite:
            connection.exec_driver_sql("DROP TABLE temp.import_owners")
            connection.exec_driver_sql(f"PRAGMA cache_size={int(self.cache)}")
            bulk_load.restore_indexes(connection)
            connection.commit()

    def load(self, chunk):
        """Store a chunk's events and count its refusals, their line numbers made the file's."""
        result = self.result
        for number, reason in chunk.errors:
            result.refuse(self.lines + number, reason)
        result.refused += chunk.refused - len(chunk.errors)
        self.lines += chunk.lines
        if not chunk.events:
            return
        insert = self._insert_sqlite if self.sqlite else self._insert_rows
        # Each chunk is committed through the one way events are stored, which tells its subscribers.
        stored = events.store_events((ORIGIN,), lambda _connection, _at: insert(chunk), self.connection,
                                     self.inserted_at)
        self._detach()
        result.stored += stored
        result.duplicates += chunk.events - stored
        self.unindexed += stored
        if self.unindexed >= INDEX_EVERY:
            self._index_names()
        if not self.decided:
            self.decided = True
            self._maybe_defer_indexes(chunk, stored)

    def _maybe_defer_indexes(self, chunk, stored):
        # The first chunk tells how many events the file will add: a file imported again adds none.
        expected = stored * self.size / chunk.size
        if self.sqlite and bulk_load.worth_deferring(expected, self.stored_before):
            bulk_load.drop_deferrable_indexes(self.connection)
            self.deferred = True

    def _insert_sqlite(self, chunk):
        connection, schema = self.connection, f"chunk{len(self.attached)}"
        connection.exec_driver_sql(f"ATTACH DATABASE ? AS {schema}", (chunk.path,))
        self.attached.append((schema, chunk.path))
        new = self.owners.resolve(connection.exec_driver_sql(
            f"SELECT DISTINCT username, hostname FROM {schema}.events AS e WHERE NOT EXISTS (SELECT 1 FROM "
            "temp.import_owners AS o WHERE o.username = e.username AND o.hostname = e.hostname)").all())
        if new:
            connection.exec_driver_sql("INSERT INTO temp.import_owners VALUES (?, ?, ?, ?, ?)",
                                       [(*pair, *owner) for pair, owner in new.items()])
        # CROSS JOIN keeps the chunk the outer loop, so rows go in in file order; the WHERE clause keeps
        # SQLite from reading ON CONFLICT as a join constraint.
        return connection.exec_driver_sql(
            f"INSERT INTO file_events ({', '.join(_STORED_COLUMNS)}) "
            f"SELECT ?, ?, o.org_id, o.user_id, o.device_id, {_CHUNK_VALUES} "
            f"FROM {schema}.events AS e CROSS JOIN temp.import_owners AS o "
            "WHERE o.username = e.username AND o.hostname = e.hostname ORDER BY e.rowid "
            "ON CONFLICT (origin, event_id) DO NOTHING",
            (ORIGIN, self.inserted_at.isoformat(" ", "microseconds"))).rowcount

    def _insert_rows(self, chunk):
        # PostgreSQL reads the chunk file here and inserts with the driver's executemany.
        stage = sqlite3.connect(chunk.path)
        try:
            rows = stage.execute(f"SELECT {', '.join(events.PARSED)} FROM events ORDER BY rowid").fetchall()
        finally:
            stage.close()
            os.remove(chunk.path)
        username, hostname = events.PARSED.index("username"), events.PARSED.index("hostname")
        self.owners.resolve({(row[username], row[hostname]) for row in rows})
        owners = self.owners.pairs
        values = []
        for row in rows:
            row = list(row)
            row[_EVENT_AT] = datetime.fromisoformat(row[_EVENT_AT])
            for n in _NULLABLE_SLOTS:
                row[n] = row[n] if row[n] != "" else None
            for n in _FLAG_SLOTS:
                row[n] = bool(row[n])
            values.append((ORIGIN, self.inserted_at, *owners[row[username], row[hostname]], *row))
        statement = events.insert_statement(self.connection.dialect.name, _STORED_COLUMNS)
        return self.connection.exec_driver_sql(statement, values).rowcount

    def _index_names(self):
        # The file-name search index takes what was committed, in one statement per INDEX_EVERY events
        # (name_search); on the session's connection, as bulk inserts do, now that this one holds no lock.
        self.unindexed = 0
        name_search.index_new_events()
        db.session.commit()

    def _detach(self):
        # After a commit (SQLite detaches no database a transaction has read); the files go at once, so
        # that a large import keeps only the chunk in flight on disk.
        for schema, path in self.attached:
            self.connection.exec_driver_sql(f"DETACH DATABASE {schema}")
            os.remove(path)
        self.attached = []


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

    def __init__(self, connection):
        self.connection = connection
        self.users = {}  # username -> [(user id, org id)], or None when no user has it
        self.hosts = {}  # hostname -> [(device id, user id, org id), ...], or None when no device has it
        self.pairs = {}  # (username, hostname) -> (org id, user id, device id)

    def resolve(self, pairs):
        """The owners of the (username, hostname) pairs not seen before, {pair: (org id, user id, device id)}."""
        new = {tuple(pair) for pair in pairs} - self.pairs.keys()
        if not new:
            return {}
        self._look_up(self.users, {name for name, _host in new if name}, self._users_named)
        self._look_up(self.hosts, {host for _name, host in new if host}, self._devices_named)
        found = {(name, host): self._owner(name, host) for name, host in new}
        self.pairs.update(found)
        return found

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

    def _users_named(self, names):
        return ((u.username, (u.id, u.org_id)) for u in self.connection.execute(
            self._among(select(User.id, User.username, User.org_id), User.username, names)))

    def _devices_named(self, hostnames):
        return ((d.hostname, (d.id, d.user_id, d.org_id)) for d in self.connection.execute(
            self._among(select(Device.id, Device.hostname, Device.user_id, Device.org_id), Device.hostname, hostnames)))

    def _among(self, statement, column, wanted):
        if self.connection.dialect.name != "postgresql":
            return statement.where(column.in_(wanted))
        # PostgreSQL's planner answers IN (...) through the name's trigram index: 1.5 s for 500 names. A join
        # with the list uses the name's B-tree index: 20 ms.
        names = values(sa_column("name", String), name="wanted").data([(name,) for name in wanted])
        return statement.join(names, column == names.c.name)

    def _owner(self, name, host):
        users = (self.users.get(name) or self.users.get(name.lower()) or []) if name else []
        user_id, org_id = users[0] if users else (None, None)
        devices = sorted(set((self.hosts.get(host) or []) + (self.hosts.get(host.lower()) or [])))
        # The user's own device (the newest, if they have several with this name), else the only one.
        mine = [device for device in devices if user_id is not None and device[1] == user_id]
        device_id, _owner, device_org = mine[-1] if mine else devices[0] if len(devices) == 1 else (None,) * 3
        # An unknown user's event still belongs to the organization of the device it happened on.
        return (org_id if user_id is not None else device_org), user_id, device_id
