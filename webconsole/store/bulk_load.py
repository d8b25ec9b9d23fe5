"""Bulk loads (import-events, the demo loader): SQLite's file-event indexes deferred, a larger cache, and
rows staged so that full-text indexes are written once per load step instead of once per row.

The indexes a bulk load writes out of order are dropped, and built again at the end, when the load at
least doubles the table: building one costs about 1 µs an event of the table, keeping it up to date 7
to 20 µs an event loaded. It would pay for smaller loads too, but searches by device, user, hash or
path go without those indexes meanwhile.
"""
import os
from contextlib import contextmanager

from sqlalchemy import Column, MetaData, Table, insert, select, text
from sqlalchemy.schema import CreateIndex, DropIndex

from webconsole.extensions import db
from webconsole.models import FileEvent

DEFER_INDEXES_FROM = 50_000  # events a load adds at least for its indexes to be deferred (about a second's work)
# SQLite page cache while loading: the SHA-256, user and device indexes take each chunk to pages
# all over them; beyond a million events they outgrow the app's cache (SQLITE_CACHE_KIB) and every
# chunk reads and spills pages (about 30% of an import's time at a million events).
IMPORT_CACHE_KIB = 262_144
INDEX_BUILD_CACHE_KIB = 2048  # while building indexes: smaller is faster (restore_indexes says why)
INDEX_BUILD_THREADS = min(os.cpu_count() or 1, 4) - 1  # helper threads SQLite's sorter may use to build one


def insert_rows(table, rows):
    """Insert `rows` (dicts of column values, all with the same keys) into `table` on the session.

    On SQLite they are staged in a temporary table and copied by one INSERT ... SELECT: the users' and
    devices' search indexes (FTS5, kept by triggers) write their pending terms at the end of each
    statement, so once per call instead of once per row of an executemany, seven times less work.
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        db.session.execute(insert(table), rows)
        return
    # The rows' columns and those with a Python-side default, which the copy must carry; any other is left
    # out, for the database's own default.
    names = [c.name for c in table.columns if c.name in rows[0] or c.default is not None]
    columns = [Column(name, table.c[name].type, default=table.c[name].default and table.c[name].default.arg)
               for name in names]
    stage = Table(f"bulk_{table.name}", MetaData(), *columns, prefixes=["TEMPORARY"])
    stage.create(connection)
    try:
        db.session.execute(insert(stage), rows)
        db.session.execute(insert(table).from_select(names, select(*stage.columns)))
    finally:
        stage.drop(connection)


def worth_deferring(events_expected, events_stored):
    """Does a load of `events_expected` into a table of `events_stored` go faster without the indexes?"""
    return events_expected >= max(DEFER_INDEXES_FROM, events_stored)


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


@contextmanager
def indexes_deferred(events_expected):
    """While inside, the session's bulk load of `events_expected` file events goes without the deferrable
    indexes (SQLite, when that at least doubles the table); they are built again on the way out."""
    stored = db.session.scalar(select(FileEvent.id).order_by(FileEvent.id.desc()).limit(1)) or 0
    if db.session.connection().dialect.name != "sqlite" or not worth_deferring(events_expected, stored):
        yield
        return
    db.session.commit()
    drop_deferrable_indexes(db.session)
    try:
        yield
    finally:
        db.session.rollback()  # the loader commits what it keeps
        restore_indexes(db.session)


def deferrable_indexes():
    """The file-event indexes a bulk load may drop and build again at its end: all but the unique ones, which
    keep re-imports and agents' retries idempotent, and the time index, which a file in time order only
    appends to and every list walks. With them, SQLITE_DEFERRABLE, which no model describes."""
    return [index for index in FileEvent.__table__.indexes
            if not index.unique and next(iter(index.columns)).name != "event_at"]


# SQLite's indexes of file events beyond the model's (webconsole.models.search), with what builds them.
SQLITE_DEFERRABLE = {
    "ix_file_events_file_path_event_at": "CREATE INDEX IF NOT EXISTS ix_file_events_file_path_event_at "
                                         "ON file_events (file_path, event_at, id)",
}


def drop_deferrable_indexes(executor):
    """Drop them on a SQLite session or connection, one short transaction each; restore_indexes builds them
    again."""
    for index in deferrable_indexes():
        executor.execute(DropIndex(index, if_exists=True))
        executor.commit()
    for name in SQLITE_DEFERRABLE:
        executor.execute(text(f"DROP INDEX IF EXISTS {name}"))
        executor.commit()


def restore_indexes(executor):
    """Build the deferrable file-event indexes missing on a SQLite session or connection (a bulk load dropped
    them), one transaction each, so that agents' batches wait for one index at a time."""
    present = set(executor.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'")))
    missing = [CreateIndex(index, if_not_exists=True) for index in deferrable_indexes() if index.name not in present]
    missing += [text(sql) for name, sql in SQLITE_DEFERRABLE.items() if name not in present]
    if not missing:
        return
    # A small cache makes SQLite sort an index's entries in runs that fit the CPU's caches and merge
    # them: 1.3 s an index at a million events, against 2 s with a cache of hundreds of megabytes.
    # Helper threads sort runs side by side: 0.8 s instead of 1.3 for the device index at a million events
    # on two cores, which the import's workers have left idle by then.
    cache, threads = executor.scalar(text("PRAGMA cache_size")), executor.scalar(text("PRAGMA threads"))
    executor.execute(text(f"PRAGMA cache_size=-{int(INDEX_BUILD_CACHE_KIB)}"))
    executor.execute(text(f"PRAGMA threads={int(INDEX_BUILD_THREADS)}"))
    try:
        for statement in missing:
            executor.execute(statement)
            executor.commit()
    finally:
        executor.execute(text(f"PRAGMA cache_size={int(cache)}"))
        executor.execute(text(f"PRAGMA threads={int(threads)}"))
