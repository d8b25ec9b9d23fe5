"""Exposure counts: kept with the events through every way in, equal to counting the events again, and
what lets a rule that cannot fire read no events."""
import importlib
import json
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, event, select

from tests.domain import test_alert_evaluation
from tests.domain.test_alert_evaluation import T0, all_alerts, item, rule, store
from webconsole.domain import exposure_counts
from webconsole.domain.events import EXPOSURE_BITS
from webconsole.domain.exposure_counts import BYTES_MAX, hour_of
from webconsole.extensions import db
from webconsole.models import ExposureCount, FileEvent
from webconsole.store.event_import import import_file

ctx = test_alert_evaluation.ctx  # the fixture: a world, its administrator loaded
REMOVABLE = EXPOSURE_BITS["RemovableMedia"]
_migration = importlib.import_module("migrations.versions.0023_exposure_counts")


def recounted():
    """The counts, from the stored events again."""
    found = defaultdict(lambda: [0, 0, 0])
    for row in db.session.execute(select(FileEvent.id, FileEvent.user_id, FileEvent.username, FileEvent.event_at,
                                         FileEvent.exposure, FileEvent.event_type, FileEvent.file_category,
                                         FileEvent.file_size)):
        if not row.exposure and row.event_type != "EMAILED":
            continue
        for span in (1, 24):
            key = (row.user_id or 0, "" if row.user_id else row.username, span, hour_of(row.event_at, span),
                   row.exposure, row.event_type, row.file_category or "")
            counts = found[key]
            counts[0] += 1
            counts[1] = min(counts[1] + (row.file_size or 0), BYTES_MAX)
            counts[2] = max(counts[2], row.id)
    return {key: tuple(value) for key, value in found.items()}


def kept():
    return {(c.user_id, c.username, c.span, c.hour, c.exposure, c.event_type, c.category): (c.files, c.bytes, c.max_id)
            for c in db.session.scalars(select(ExposureCount))}


def test_hours_floor_to_their_span_before_and_after_1970():
    assert hour_of(datetime(1970, 1, 1, 0, 59)) == 0
    assert hour_of(datetime(1969, 12, 31, 23, 59)) == -1
    assert hour_of(datetime(1969, 12, 31, 23, 59), 24) == -24
    assert hour_of(datetime(1970, 1, 2, 5), 24) == 24
    assert exposure_counts.start_of(hour_of(datetime(2026, 12, 6, 2, 41), 24)) == datetime(2026, 12, 6)


def test_stored_events_are_counted_by_actor_hour_day_and_kind(ctx):
    store(ctx, [item(T0 + timedelta(minutes=m)) for m in (0, 59, 60, 61)])
    store(ctx, [item(T0 + timedelta(days=1), exposure=("CloudStorage",), fileCategory="Pdf"),
                item(T0, exposure=(), eventType="EMAILED", size=7),  # e-mailed: exposed without a bit
                item(T0, exposure=())])  # not exposed: not counted
    store(ctx, [item(T0 + timedelta(hours=2)), item(T0, size=None)], who=None)  # no user known: by the name given
    store(ctx, [item(datetime(1969, 12, 31, 23, 30)), item(datetime(9999, 12, 31, 23, 59, 59, 999999))],
          who="seller")
    counts = kept()
    assert counts == recounted()
    assert counts[ctx["user"], "", 1, hour_of(T0), REMOVABLE, "CREATED", ""][0] == 2
    assert counts[ctx["user"], "", 24, hour_of(T0, 24), REMOVABLE, "CREATED", ""][0] == 4
    assert counts[0, "ghost@acme.test", 1, hour_of(T0), REMOVABLE, "CREATED", ""][:2] == (1, 0)
    assert counts[ctx["seller"], "", 1, -1, REMOVABLE, "CREATED", ""][0] == 1


def test_sizes_beyond_64_bits_saturate_and_still_fire_a_bytes_rule(ctx):
    rule(ctx, threshold_kind="bytes", threshold=str(10**15))
    huge = 2**63 - 1
    store(ctx, [item(T0 + timedelta(seconds=n), size=huge) for n in range(3)])
    store(ctx, [item(T0 + timedelta(seconds=9), size=huge)])
    assert kept()[ctx["user"], "", 1, hour_of(T0), REMOVABLE, "CREATED", ""][:2] == (4, BYTES_MAX)
    # 3 × and 1 × the largest size: each more than a petabyte, kept as the column's most
    assert [(a.file_count, a.total_bytes) for a in all_alerts()] == [(3, huge), (1, huge)]


def test_the_migration_fills_the_counts_as_storing_keeps_them(ctx):
    store(ctx, [item(T0 + timedelta(hours=h), exposure=("RemovableMedia", "CloudStorage")) for h in range(30)])
    store(ctx, [item(T0, size=2**62), item(T0 + timedelta(seconds=1), size=2**62)], who=None)
    before = kept()
    db.session.execute(delete(ExposureCount))
    connection = db.session.connection()
    for span in (1, 24):
        connection.exec_driver_sql(_migration._fill(connection.dialect.name, span))
    assert kept() == before == recounted()


def test_a_rule_made_after_the_events_counts_them_through_the_day_counts(ctx):
    store(ctx, [item(T0 - timedelta(days=d, minutes=m)) for d in range(1, 4) for m in range(2)])
    rule(ctx, threshold="6", window_amount="7", window_unit="days")
    store(ctx, [item(T0)])
    [alert] = all_alerts()
    assert alert.file_count == 7


def test_a_late_event_in_an_earlier_hour_is_counted_with_the_new_ones(ctx):
    rule(ctx, threshold="2", window_amount="1", window_unit="days")
    store(ctx, [item(T0 + timedelta(minutes=m)) for m in range(3)])
    store(ctx, [item(T0 - timedelta(hours=2)), item(T0 + timedelta(minutes=5)), item(T0 + timedelta(minutes=6))])
    assert [(a.file_count, a.first_event_at) for a in all_alerts()] == [
        (3, T0), (3, T0 - timedelta(hours=2))]


def test_a_rule_its_counts_rule_out_reads_no_window(ctx):
    rule(ctx, threshold="50", window_amount="7", window_unit="days")
    store(ctx, [item(T0 - timedelta(days=2, minutes=m)) for m in range(40)])
    statements = []

    def heard(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", heard)
    try:
        store(ctx, [item(T0 + timedelta(minutes=m)) for m in range(10)])  # 50 in the window: not more than 50
    finally:
        event.remove(engine, "before_cursor_execute", heard)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "file_events" in s
             and "exposure_counts" not in s and "max(id)" not in s]
    assert reads and all("BETWEEN" in s for s in reads), reads  # only the new events, by their ids
    assert all_alerts() == []
    store(ctx, [item(T0 + timedelta(minutes=11))])
    [alert] = all_alerts()
    assert alert.file_count == 51


@pytest.mark.committed
def test_imported_events_are_counted(app, world, tmp_path):
    lines = [{"eventId": f"evt-{n}", "eventType": "CREATED", "eventTimestamp": f"2026-11-20T1{n % 3}:00:0{n % 10}Z",
              "fileName": f"f{n}.txt", "filePath": "/home/u/", "fileSize": 10 * n, "exposure": ["RemovableMedia"],
              "deviceUserName": "user@acme.test" if n % 2 else "nobody@acme.test", "osHostName": "USER-LAPTOP"}
             for n in range(40)]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with app.app_context():
        assert import_file(str(path)).stored == 40
        counts = kept()
        assert counts == recounted()
        assert sum(value[0] for key, value in counts.items() if key[2] == 24) == 40
