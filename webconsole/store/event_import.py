"""File events from a file: JSON Lines or CSV in the original's v1 field names (`flask import-events`).

event_files reads and checks the lines (a bad line is reported with its number and skipped); this
module stores what they hold. Events are stored under the origin "import": importing the same file
again adds nothing.

Owners come from the events themselves: deviceUserName names a console user (user and org), and
osHostName one of that user's devices (or anyone's, when exactly one device has that hostname).

A large file is a pipeline: worker processes parse slices into chunk files, and this process stores
the chunks in file order with one INSERT ... SELECT each, owners joined in from a temporary table.
Parsing costs more than storing, so on two cores the insert hides behind it. When a file would at
least double the events stored (SQLite only), the indexes an import writes out of order (device,
user, SHA-256) are dropped after the first chunk and built again at the end (bulk_load), which costs
a fraction of keeping them up to date row by row. The unique (origin, event id) index stays, so
agents uploading meanwhile and re-imports stay idempotent, and so does the time index every list
walks; an import that dies before the end has the others built again by the next one.
"""
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, select, values
from sqlalchemy import column as sa_column

from webconsole.domain import events
from webconsole.extensions import db
from webconsole.models import Device, FileEvent, User
from webconsole.models.base import utcnow
from webconsole.store import bulk_load, event_files, name_search
from webconsole.store.database import refresh_statistics

# FORMATS, ImportRefused and detect_format are the command's too, which knows this module only.
from webconsole.store.event_files import ERROR_LIMIT, FORMATS, ImportRefused, detect_format

ORIGIN = "import"
INDEX_EVERY = 50_000  # events stored between catch-ups of the file-name search index
LOOKUP_LIMIT = 500  # values per IN (...) of an owner look-up

_OWNER_COLUMNS = ("org_id", "user_id", "device_id")
_STORED_COLUMNS = ("origin", "inserted_at", *_OWNER_COLUMNS, *events.PARSED)
_CHUNK_VALUES = ", ".join(f"NULLIF(e.{column}, '')" if column in event_files.NULLABLE else f"e.{column}"
                          for column in events.PARSED)


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


def import_file(path, fmt=None, progress=None):
    """Import the events of the file at `path`; an ImportResult. `progress(n)` is told of bytes stored."""
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ImportRefused(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    result, size = ImportResult(), os.path.getsize(path)
    folder = tempfile.mkdtemp(prefix="webconsole-import-")
    try:
        chunks = event_files.json_chunks(path, size, folder) if fmt == "jsonl" else event_files.csv_chunks(path, folder)
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
            row[event_files.EVENT_AT] = datetime.fromisoformat(row[event_files.EVENT_AT])
            for n in event_files.NULLABLE_SLOTS:
                row[n] = row[n] if row[n] != "" else None
            for n in event_files.FLAG_SLOTS:
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
