"""Reading a file of file events into parsed chunks: JSON Lines or CSV in the v1 field names.

Each line is checked on its own by the parser every other door uses (events.parse_values, the list
form of parse_event): a bad line is refused with its number, the good ones go on. The file is read as
bytes and decoded line by line, so an invalid byte costs only its own line.

Worker processes parse slices of a large JSON Lines file (CSV records may span lines, so a CSV file
is parsed in the calling process, in order) and leave each chunk's rows in a SQLite file of its own,
which event_import stores with one INSERT ... SELECT.
"""
import codecs
import csv
import json
import multiprocessing
import os
import re
import sqlite3
from collections import deque
from dataclasses import dataclass, field

from webconsole.domain import events
from webconsole.domain.errors import DomainError

FORMATS = ("jsonl", "csv")
CHUNK_BYTES = 4 << 20  # JSON Lines parsed per chunk (about 8 000 events)
CHUNK = 10_000  # CSV records per chunk
FLUSH_ROWS = 1000  # events a chunk file is written by
PIPELINE_BYTES = 32 << 20  # smaller JSON Lines files are parsed here: starting workers costs about a second
WORKERS = min(os.cpu_count() or 1, 4)  # each parses about 50 000 events a second; more outrun the insert
WORKER_NICENESS = 10  # parsing yields the CPU to this process's insert and to the console's requests
HEAD_START = 4  # slices parsed here while the workers start (about a second)
AHEAD = 2  # chunks parsed ahead of the insert per worker: bounds the chunk files waiting on disk
ERROR_LIMIT = 100  # refused lines kept (with their reasons) for the report; the rest are counted

# CSV cells are text; these fields are turned into the values their JSON form would hold.
LIST_FIELDS = ("exposure", "tabUrls", "tabTitles", "emailRecipients", "privateIpAddresses", "riskIndicatorNames")
NUMBER_FIELDS = ("fileSize", "riskScore", "removableMediaCapacity")
FLAG_FIELDS = ("mimeTypeMismatch", "outsideActiveHours")

_WHOLE = re.compile(r"-?[0-9]+")
_DIGITS = re.compile(r"[0-9]+")
# A \uD800-\uDFFF escape: JSON decodes a lone one into a string no database accepts.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

EVENT_AT = events.PARSED.index("event_at")
_FILE_SIZE = events.PARSED.index("file_size")
_JSON_SLOTS = tuple(n for n, column in enumerate(events.PARSED) if column in events.JSON_COLUMNS)
FLAG_SLOTS = tuple(n for n, column in enumerate(events.PARSED) if isinstance(events.DEFAULTS.get(column), bool))
NULLABLE_SLOTS = (_FILE_SIZE, *_JSON_SLOTS)
NULLABLE = {events.PARSED[n] for n in NULLABLE_SLOTS}
_json_text = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(value, ensure_ascii=False), at half the cost
_scan_json = json.JSONDecoder().scan_once


class ImportRefused(DomainError):
    """The file as a whole cannot be imported (e.g. a CSV header without the required fields)."""

    code = "import.refused"


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
        values[EVENT_AT] = values[EVENT_AT].isoformat(" ", "microseconds")  # as SQLAlchemy stores it in SQLite
        for n in _JSON_SLOTS:
            value = values[n]
            values[n] = "" if value is None else _json_text(value)
        if values[_FILE_SIZE] is None:
            values[_FILE_SIZE] = ""
        for n in FLAG_SLOTS:
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


def json_chunks(path, size, folder):
    """The file's chunks, parsed by worker processes when the file is large, in file order."""
    parts = [(path, start, end, os.path.join(folder, f"{n}.db")) for n, (start, end) in enumerate(slices(path, size))]
    if size < PIPELINE_BYTES or WORKERS < 2 or len(parts) < 2:
        yield from map(_parse_json_slice, parts)
        return
    # spawn, not fork: the parent holds database connections and may run threads. Workers run at a lower
    # priority: the insert here is the part that cannot be shared out, and should never wait for a core.
    with multiprocessing.get_context("spawn").Pool(WORKERS, initializer=os.nice, initargs=(WORKER_NICENESS,)) as pool:
        todo, pending = iter(parts[HEAD_START:]), deque()
        for work in todo:
            pending.append(pool.apply_async(_parse_json_slice, (work,)))
            if len(pending) >= WORKERS * AHEAD:
                break
        yield from map(_parse_json_slice, parts[:HEAD_START])  # while the workers start
        while pending:
            chunk = pending.popleft().get()
            for work in todo:
                pending.append(pool.apply_async(_parse_json_slice, (work,)))
                break
            yield chunk


def slices(path, size):
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


def csv_chunks(path, folder):
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
