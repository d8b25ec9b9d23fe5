"""Export progress: how far a streamed export has got, for the person who asked for it.

An export streams in keyset batches from one server process while the browser asks another one
how far it has got, so progress lives in the database, under a random token the browser chose.
It is written on a connection of its own (the export's session only reads), at most once a
batch and PROGRESS_INTERVAL, and forgotten KEEP after it was last written.
"""
import re
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, select, update

from webconsole.extensions import db
from webconsole.models import ExportProgress
from webconsole.models.base import utcnow

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
PROGRESS_INTERVAL = 0.5  # seconds between two writes of one export's progress
STALE = timedelta(minutes=2)  # a running export silent this long has stopped (its process died)
KEEP = timedelta(hours=1)
TABLE = ExportProgress.__table__


def valid_token(token):
    """True when `token` has the shape of a progress token (random, URL-safe, 16 to 64 characters)."""
    return bool(token) and TOKEN.fullmatch(token) is not None


def _write(stmt):
    with db.engine.begin() as connection:
        return connection.execute(stmt)


class ExportTracker:
    """Records one export's progress under its token, for its user."""

    def __init__(self, token, user_id, total, exact):
        now = utcnow()
        self.token, self.rows, self.written_at = token, 0, time.monotonic()
        _write(delete(ExportProgress).where(ExportProgress.updated_at < now - KEEP))
        # A token already taken by someone else is not theirs to overwrite: that export goes untracked.
        owner = _write(select(ExportProgress.user_id).where(ExportProgress.token == token)).scalar()
        self.tracked = owner in (None, user_id)
        values = {"user_id": user_id, "rows": 0, "total": total, "total_exact": exact, "state": "running",
                  "started_at": now, "updated_at": now}
        if owner is None:
            _write(insert(TABLE).values(token=token, **values))
        elif self.tracked:
            _write(update(TABLE).where(TABLE.c.token == token).values(**values))

    def advance(self, rows):
        """`rows` more rows are written; stored when PROGRESS_INTERVAL has passed since the last write."""
        self.rows += rows
        if time.monotonic() - self.written_at >= PROGRESS_INTERVAL:
            self._store("running")

    def finish(self, failed=False):
        """The export is complete (or stopped before it was)."""
        self._store("failed" if failed else "done")

    def _store(self, state):
        if self.tracked:
            _write(update(TABLE).where(TABLE.c.token == self.token).values(
                rows=self.rows, state=state, updated_at=utcnow()))
        self.written_at = time.monotonic()


def start_export(token, user_id, total, exact):
    """An ExportTracker for the export `token` that `user_id` starts, of `total` rows (or more than
    `total` when not `exact`)."""
    return ExportTracker(token, user_id, total, exact)


@dataclass(frozen=True)
class Progress:
    rows: int
    total: int
    exact: bool  # False: the export holds more than `total` rows
    state: str  # running, done, failed


def export_progress(user_id, token, now=None):
    """The Progress of `user_id`'s export `token`, or None (not started yet, or someone else's);
    a running export that stopped reporting counts as failed."""
    found = db.session.scalar(select(ExportProgress).where(ExportProgress.token == token,
                                                           ExportProgress.user_id == user_id))
    if found is None:
        return None
    state = found.state
    if state == "running" and found.updated_at < (now or utcnow()) - STALE:
        state = "failed"
    return Progress(found.rows, found.total, found.total_exact, state)
