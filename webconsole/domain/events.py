"""File events: the one way in, for every door (agents, data connections, imports, the demo loader).

A batch is validated whole, then stored in one transaction; an event id already stored for the same
origin changes nothing, so a client that retries a batch never doubles an event. Every door, the
bulk import and the demo loader store through store_events, which tells the subscribers
(on_events_stored) what each commit added. The parser every door feeds is event_parser's; its names
are imported here too, as the events' vocabulary.
"""
import json
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter

from sqlalchemy import select
from sqlalchemy.engine import Connection

from webconsole.domain import exposure_counts
from webconsole.domain.devices import get_device
from webconsole.domain.errors import DomainError
from webconsole.domain.event_parser import (  # noqa: F401
    CATEGORIES,
    DEFAULTS,
    EVENT_TYPES,
    EXPOSURE_BITS,
    EXPOSURES,
    FIELDS,
    LIST_LIMIT,
    PARSED,
    REMOVABLE_MEDIA,
    REQUIRED,
    SEVERITIES,
    SOURCES,
    SYNC_DESTINATIONS,
    InvalidEvent,
    parse_batch,
    parse_event,
    parse_values,
)
from webconsole.domain.signals import Signal
from webconsole.extensions import db
from webconsole.models import FileEvent
from webconsole.models.base import utcnow

BATCH_LIMIT = 1000

COLUMNS = ("origin", "inserted_at", "event_id", "event_type", "event_at", "file_name", "file_path", "org_id", "user_id",
           "device_id",
           *DEFAULTS)
_OWNERS = {"org_id": None, "user_id": None, "device_id": None}
JSON_COLUMNS = {"private_ips", "removable_media", "tab_urls", "tab_titles", "email_recipients", "risk_indicators"}


def insert_statement(dialect, columns=COLUMNS):
    """The driver-level INSERT of file-event values in `columns` order; stored (origin, event id) pairs skipped."""
    marker = "%s" if dialect == "postgresql" else "?"
    return (f"INSERT INTO file_events ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))}) "
            "ON CONFLICT (origin, event_id) DO NOTHING")


def _sqlite_time(moment):
    # The text form SQLAlchemy's SQLite DateTime type stores and compares.
    return f"{moment:%Y-%m-%d %H:%M:%S.%f}" if moment else None


def bulk_insert(rows):
    """One driver-level executemany; how many rows were new. (The ORM's per-value processing would cost
    more than the insert.) Rows whose (origin, event id) is stored already are skipped by the database."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    pick = itemgetter(*COLUMNS)
    converters = [(n, (lambda v: json.dumps(v, ensure_ascii=False) if v is not None else None)
                   if column in JSON_COLUMNS else _sqlite_time)
                  for n, column in enumerate(COLUMNS)
                  if column in JSON_COLUMNS or (dialect != "postgresql" and column in ("event_at", "inserted_at"))]
    values = []
    for row in rows:
        item = list(pick(row))
        for n, convert in converters:
            item[n] = convert(item[n])
        values.append(tuple(item))
    # Both drivers report the rows an executemany inserted, conflicts not counted.
    # The file-name search index takes them later (name_search.catch_up): the acknowledgement waits for none.
    return connection.exec_driver_sql(insert_statement(dialect), values).rowcount


@dataclass(frozen=True)
class StoredEvents:
    """What one commit added to the file events, as subscribers are told after it.

    `origins` holds the origin of each of them (one, but for the demo loader's mixed batches). On SQLite
    the events with ids first_id to last_id are exactly these; on PostgreSQL, where other transactions
    draw ids meanwhile, the range may hold some of theirs too.
    """
    origins: tuple
    count: int
    first_id: int
    last_id: int
    inserted_at: datetime


_stored = Signal("stored file events")


def on_events_stored(callback):
    """Have `callback(StoredEvents)` called after every commit that adds file events; returns it (a decorator)."""
    return _stored.subscribe(callback)


def forget_subscriber(callback):
    """Stop calling a callback that on_events_stored registered."""
    _stored.forget(callback)


def _last_id(connection):
    """The highest file-event id the connection sees (0 for none)."""
    return connection.exec_driver_sql("SELECT max(id) FROM file_events").scalar() or 0


def store_events(origins, insert, executor=None, inserted_at=None):
    """The one way file events are stored: `insert(connection, inserted_at)` writes them and says how many
    were new, the transaction is committed, then each subscriber is told what it added. How many were new.

    `executor` is the session (by default) or a Connection of the caller's (bulk loads). If anything
    fails the transaction is rolled back and nobody is told.
    """
    executor = db.session if executor is None else executor
    connection = executor if isinstance(executor, Connection) else executor.connection()
    inserted_at = inserted_at or utcnow()
    try:
        # SQLite has one writer at a time, so a store's ids follow each other; PostgreSQL's come from a
        # sequence others draw from too, so its range starts past the last id committed before.
        before = _last_id(connection) if connection.dialect.name == "postgresql" else None
        stored = insert(connection, inserted_at)
        if stored:
            last = _last_id(connection)
            first = last - stored + 1 if before is None else before + 1
            exposure_counts.tally(connection, first, last)  # with the events, never short of them
        executor.commit()
    except BaseException:
        executor.rollback()
        raise
    if stored:
        _stored.send(StoredEvents(tuple(origins), stored, first, last, inserted_at))
    return stored


def store(rows, origin, common=None):
    """Store parsed events in one transaction; (stored, duplicates). Already-stored event ids are skipped,
    within the batch and against what is stored, so a client may always send a batch again.

    `common` holds the values the door vouches for (device, user, org, hostname...), which override
    what the events say about themselves.
    """
    if not rows:
        return 0, 0
    extra = {**(common or {}), "origin": origin}

    def insert(_connection, inserted_at):
        return bulk_insert([{**_OWNERS, **row, **extra, "inserted_at": inserted_at} for row in rows])

    stored = store_events((origin,), insert)
    return stored, len(rows) - stored


def store_device_batch(device, items, address):
    """An agent's batch: validated whole, stored with the device's identity, idempotent by event id."""
    if isinstance(items, list) and len(items) > BATCH_LIMIT:
        raise BatchTooLarge(f"a batch holds at most {BATCH_LIMIT} events", field="events")
    rows = parse_batch(items)
    common = {"device_id": device.id, "user_id": device.user_id, "org_id": device.org_id,
              "username": device.user.username, "hostname": device.hostname, "public_ip": address or "",
              "source": "Endpoint"}
    return store(rows, f"d{device.id}", common)


class BatchTooLarge(DomainError):
    """More events than one batch may hold."""

    code = "batch_too_large"


def exposure_names(mask):
    """The exposure names set in a FileEvent.exposure bit set."""
    return [name for name, bit in EXPOSURE_BITS.items() if mask & bit]


# What every list of file events selects (Forensic Search, a device's events, a user's activity).
LIST_COLUMNS = (FileEvent.id, FileEvent.event_at, FileEvent.event_type, FileEvent.file_name, FileEvent.file_path,
                FileEvent.file_size, FileEvent.file_category, FileEvent.username, FileEvent.hostname,
                FileEvent.exposure, FileEvent.sync_destination, FileEvent.md5, FileEvent.sha256, FileEvent.source)


def device_event_list(actor, params):
    """The list query of one device's file events (the `device` filter), for an investigator."""
    device = get_device(actor, params.filters.get("device"), "forensics.search")
    return select(*LIST_COLUMNS).where(FileEvent.device_id == device.id)
