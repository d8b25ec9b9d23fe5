"""The agent's state: one SQLite file (WAL) with the registration, settings, scan index and event outbox.

Each thread opens its own State. Events enter the outbox in the transaction that updates the scan
index, and leave it only when the server acknowledged the batch holding them.
"""
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

FILENAME = "state.sqlite3"
BUSY_SECONDS = 30  # how long an opener waits for another connection's lock before giving up
SCHEMA = """
CREATE TABLE IF NOT EXISTS registration (
    id INTEGER PRIMARY KEY CHECK (id = 1), guid TEXT NOT NULL, secret TEXT NOT NULL, server TEXT NOT NULL,
    registered_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS overrides (setting TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path BLOB PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, md5 TEXT NOT NULL,
    sha256 TEXT NOT NULL, owner TEXT);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
    queued_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rejected (
    event_id TEXT PRIMARY KEY, body TEXT NOT NULL, message TEXT NOT NULL, rejected_at TEXT NOT NULL);
"""


def utc_now():
    """The current time as ISO 8601 UTC with a Z, to the millisecond."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Registration:
    guid: str
    secret: str
    server: str

    def __repr__(self):  # the secret never reaches a log
        return f"Registration(guid={self.guid!r}, server={self.server!r})"


@dataclass(frozen=True)
class IndexEntry:
    size: int
    mtime_ns: int
    md5: str
    sha256: str
    owner: str | None


@dataclass(frozen=True)
class QueuedEvent:
    seq: int
    event: dict


def _use_wal(db):
    """Switch the file to WAL once; later opens only read the mode, so they never contend for a lock.

    The switch reads the file, then upgrades to an exclusive lock. When another connection is writing
    at that moment (two openers of a new file, or the daemon while `status` starts), SQLite answers
    "database is locked" at once instead of waiting, to avoid a deadlock; the switch is then retried
    until BUSY_SECONDS have passed.
    """
    if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            if db.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal":
                return
        except sqlite3.OperationalError as e:
            if e.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        else:
            raise sqlite3.OperationalError("the agent's state file cannot use WAL")
        _pause(0.02)


def _pause(seconds):
    """Wait before trying the switch again (the other connection's transaction is short)."""
    time.sleep(seconds)


class State:
    """One connection to the state file in `state_dir` (created 0700); use as a context manager or close()."""

    def __init__(self, state_dir):
        self.dir = Path(state_dir)
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        self.path = self.dir / FILENAME
        self.db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        try:
            os.chmod(self.path, 0o600)
            _use_wal(self.db)
            self.db.executescript(SCHEMA)
        except BaseException:
            self.db.close()
            raise

    def close(self):
        """Close the connection."""
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()

    @contextmanager
    def transaction(self):
        """One write transaction: committed when the block ends, rolled back if it raises."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # Registration

    def registration(self):
        """The stored Registration, or None."""
        row = self.db.execute("SELECT guid, secret, server FROM registration").fetchone()
        return Registration(*row) if row else None

    def save_registration(self, guid, secret, server):
        """Keep the GUID and secret the server gave at registration."""
        self.db.execute("INSERT OR REPLACE INTO registration (id, guid, secret, server, registered_at) "
                        "VALUES (1, ?, ?, ?, ?)", (guid, secret, server, utc_now()))

    def clear_registration(self):
        """Forget the registration (the device was deauthorized); index and outbox stay."""
        self.db.execute("DELETE FROM registration")

    # Small values (JSON): settings from the server, times, scan totals

    def get(self, key, default=None):
        """A stored value, or `default`."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def put(self, key, value):
        """Store a JSON-serialisable value."""
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    # The user's own setting changes, as {"group.key": value}

    def overrides(self):
        """The user's own setting changes."""
        return {k: json.loads(v) for k, v in self.db.execute("SELECT setting, value FROM overrides")}

    def set_override(self, setting, value):
        """Keep the user's own value for a setting."""
        self.db.execute("INSERT OR REPLACE INTO overrides (setting, value) VALUES (?, ?)",
                        (setting, json.dumps(value)))

    def remove_override(self, setting):
        """Drop the user's own value for a setting; True if there was one."""
        return self.db.execute("DELETE FROM overrides WHERE setting = ?", (setting,)).rowcount > 0

    # Scan index (paths are kept as the file system's bytes: a name need not be valid UTF-8)

    def index(self):
        """{path: IndexEntry} of every file the last scans saw."""
        rows = self.db.execute("SELECT path, size, mtime_ns, md5, sha256, owner FROM files")
        return {os.fsdecode(row[0]): IndexEntry(*row[1:]) for row in rows}

    def index_file(self, path, entry):
        """Add or update a file in the index (inside a transaction together with its event)."""
        self.db.execute("INSERT OR REPLACE INTO files (path, size, mtime_ns, md5, sha256, owner) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (os.fsencode(path), entry.size, entry.mtime_ns, entry.md5, entry.sha256, entry.owner))

    def unindex_file(self, path):
        """Drop a file from the index."""
        self.db.execute("DELETE FROM files WHERE path = ?", (os.fsencode(path),))

    # Outbox

    def queue_event(self, event):
        """Put an event (which carries its eventId) in the outbox."""
        self.db.execute("INSERT INTO outbox (event_id, body, queued_at) VALUES (?, ?, ?)",
                        (event["eventId"], json.dumps(event), utc_now()))

    def pending(self, limit):
        """The oldest `limit` queued events."""
        rows = self.db.execute("SELECT seq, body FROM outbox ORDER BY seq LIMIT ?", (limit,))
        return [QueuedEvent(seq, json.loads(body)) for seq, body in rows]

    def queued_count(self):
        """How many events wait for the server's acknowledgement."""
        return self.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    def acknowledge(self, seqs):
        """Remove events the server acknowledged from the outbox."""
        with self.transaction():
            self.db.executemany("DELETE FROM outbox WHERE seq = ?", [(seq,) for seq in seqs])

    def reject(self, queued, message):
        """Move an event the server refused out of the outbox into `rejected`, with the server's message."""
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO rejected (event_id, body, message, rejected_at) "
                            "VALUES (?, ?, ?, ?)",
                            (queued.event["eventId"], json.dumps(queued.event), message, utc_now()))
            self.db.execute("DELETE FROM outbox WHERE seq = ?", (queued.seq,))

    def rejected(self):
        """(event, message) of every event the server refused."""
        rows = self.db.execute("SELECT body, message FROM rejected ORDER BY rejected_at")
        return [(json.loads(body), message) for body, message in rows]
