"""Demo file events: a realistic mix over the last 90 days, by the demo users on their devices."""
import random
import uuid
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from webconsole.demo import data as demo
from webconsole.demo import events as demo_events
from webconsole.demo.data import DEMO_SIGNINS, RISKY_USERS, load_demo
from webconsole.domain import events
from webconsole.domain.connections import KINDS
from webconsole.domain.events import EXPOSURE_BITS, parse_event
from webconsole.extensions import db
from webconsole.models import DataConnection, Device, FileEvent, User

NOW = datetime(2026, 11, 25, 16, 30, 5)
USB, UPLOAD, SYNC = EXPOSURE_BITS["RemovableMedia"], EXPOSURE_BITS["ApplicationRead"], EXPOSURE_BITS["CloudStorage"]
UPLOAD_SITES = {"Dropbox": "https://www.dropbox.com/", "WeTransfer": "https://wetransfer.com/",
                "Google Drive": "https://drive.google.com/", "Mega": "https://mega.nz/", "Box": "https://app.box.com/",
                "LinkedIn": "https://www.linkedin.com/", "Facebook": "https://www.facebook.com/",
                "Reddit": "https://www.reddit.com/"}


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(demo, "utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def loaded(app, fixed_now):
    with app.app_context():
        load_demo("demo-password", users=60, devices=120, events=6000)
        yield list(db.session.scalars(select(FileEvent).order_by(FileEvent.id)))


def test_events_belong_to_the_loaded_users_and_their_devices(app, loaded):
    assert len(loaded) == 6000
    connections = {c.origin: c for c in db.session.scalars(select(DataConnection))}
    users = {u.id: u for u in db.session.scalars(select(User))}
    devices = {d.id: d for d in db.session.scalars(select(Device))}
    for event in loaded:
        user = users[event.user_id]
        assert (event.username, event.org_id) == (user.username, user.org_id)
        if event.device_id is None:  # seen by a cloud service, and brought in by its data connection
            assert event.source != "Endpoint" and event.hostname == "" and event.event_type in ("EMAILED", "MODIFIED")
            assert KINDS[connections[event.origin].kind].source == event.source
        else:
            device = devices[event.device_id]
            assert (device.user_id, device.org_id, device.hostname) == (event.user_id, event.org_id, event.hostname)
            assert event.source == "Endpoint" and event.private_ips == [device.address] and event.origin == "demo"
    # Each of the sign-ins has something to look at; the desktop user on both their devices.
    owners = Counter(e.username for e in loaded)
    assert all(owners[username] > 0 for username, *_ in DEMO_SIGNINS)
    demo_user = users[len(DEMO_SIGNINS)]
    assert {e.device_id for e in loaded if e.user_id == demo_user.id} >= {1, 2}
    # Each connection counts what it brought.
    brought = Counter(e.origin for e in loaded)
    assert {c.name: c.events_received for c in connections.values()} == \
        {c.name: brought[origin] for origin, c in connections.items()}
    assert all(brought[origin] > 0 for origin in connections)


def test_the_mix_holds_every_vector(loaded):
    kinds = Counter(e.event_type for e in loaded)
    assert set(kinds) == {"CREATED", "MODIFIED", "DELETED", "READ_BY_APP", "EMAILED", "PRINTED"}
    assert kinds["CREATED"] + kinds["MODIFIED"] > len(loaded) / 2
    for bit in EXPOSURE_BITS.values():
        assert any(e.exposure & bit for e in loaded), bit
    unexposed = sum(1 for e in loaded if not e.exposure)
    assert 0.5 < unexposed / len(loaded) < 0.9

    usb = [e for e in loaded if e.exposure & USB]
    assert all(e.removable_media["busType"] == "USB" and e.removable_media["serialNumber"] for e in usb)
    uploads = [e for e in loaded if e.event_type == "READ_BY_APP"]
    assert len(uploads) > 50
    for e in uploads:
        assert e.exposure == UPLOAD and e.destination_category in ("Cloud Storage", "Social Media")
        assert e.tab_urls[0].startswith(UPLOAD_SITES[e.destination_name]) and e.tab_titles
        assert e.process_name in ("chrome.exe", "firefox.exe", "msedge.exe", "Google Chrome", "firefox", "Safari",
                                  "chrome")
    assert {"Dropbox", "WeTransfer", "Google Drive"} <= {e.destination_name for e in uploads}
    assert {"chrome.exe", "firefox"} <= {e.process_name for e in uploads}
    synced = [e for e in loaded if e.exposure & SYNC]
    assert all(e.sync_destination and e.sync_username == e.username for e in synced)
    emailed = [e for e in loaded if e.event_type == "EMAILED"]
    assert emailed and all(e.email_recipients and e.email_subject and e.email_sender == e.username for e in emailed)
    assert any(e.exposure & EXPOSURE_BITS["OutsideTrustedDomains"] for e in emailed)
    printed = [e for e in loaded if e.event_type == "PRINTED"]
    assert printed and all(e.printer_name and e.print_job_name == e.file_name for e in printed)
    risky = [e for e in loaded if e.risk_score]
    assert risky and all(e.risk_indicators and e.risk_severity > 0 for e in risky)


def test_a_few_risky_users_dominate_exposures(loaded):
    copied = Counter(e.user_id for e in loaded if e.exposure & (USB | UPLOAD))
    ranked = [count for _user, count in copied.most_common()]
    assert len(ranked) > RISKY_USERS + 5
    top = ranked[:RISKY_USERS]
    assert sum(top) > 0.6 * sum(ranked)
    assert top[-1] > 3 * ranked[RISKY_USERS]  # then a cliff
    assert 3 <= RISKY_USERS <= 5


def test_events_spread_over_90_days_at_working_hours(loaded):
    moments = [e.event_at for e in loaded]
    assert min(moments) >= NOW - timedelta(days=90) and max(moments) <= NOW
    assert max(moments) - min(moments) > timedelta(days=85)
    weekdays = [m for m in moments if m.weekday() < 5]
    assert len(weekdays) / len(moments) > 0.9
    assert sum(1 for m in weekdays if 8 <= m.hour < 18) / len(weekdays) > 0.7
    # Ids are UUIDv7 of the event's millisecond, and stored oldest first.
    for event in loaded[::97]:
        value = uuid.UUID(event.event_id)
        assert value.version == 7
        assert value.int >> 80 == int((event.event_at - datetime(1970, 1, 1)).total_seconds() * 1000)
    assert moments == sorted(moments)
    assert all(e.event_at <= e.inserted_at <= NOW for e in loaded)


def _snapshot():
    return [(e.event_id, e.event_at, e.event_type, e.file_name, e.sha256, e.user_id, e.device_id, e.exposure,
             e.hostname) for e in db.session.scalars(select(FileEvent).order_by(FileEvent.event_at, FileEvent.id))]


def _empty_database():
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def test_the_same_seed_makes_the_same_events(app, fixed_now):
    with app.app_context():
        load_demo("demo-password", users=20, devices=30, events=500, seed=7)
        first = _snapshot()
        _empty_database()
        load_demo("demo-password", users=20, devices=30, events=500, seed=7)
        again = _snapshot()
        _empty_database()
        load_demo("demo-password", users=20, devices=30, events=500, seed=8)
        other = _snapshot()
    assert len(first) == 500 and first == again
    assert other != first


def _devices():
    """The demo's devices with their owners, by name (ids and the order of rows are the database's)."""
    return sorted((d.hostname, d.user.username, d.address, d.org.name) for d in db.session.scalars(select(Device)))


def test_events_leave_the_rest_of_the_demo_as_it_was(app, fixed_now):
    with app.app_context():
        load_demo("demo-password", users=20, devices=30)
        without = _devices()
        assert db.session.scalar(select(func.count()).select_from(FileEvent)) == 0
        _empty_database()
        load_demo("demo-password", users=20, devices=30, events=100)
        assert _devices() == without


def test_every_kind_of_event_is_a_valid_v1_event():
    rng = random.Random(3)
    person = demo_events.make_person(rng, "jo@example.com", "risky")
    for os_name in ("windows", "macos", "linux"):
        person.endpoints.append(demo_events.make_endpoint(rng, f"host-{os_name}", os_name, "jo@example.com",
                                                          "10.0.0.5", "203.0.113.9"))
    seen = Counter()
    for n, moment in enumerate(demo_events.event_moments(rng, 700, NOW)):
        kind = demo_events.KINDS[n % len(demo_events.KINDS)]
        endpoint = person.endpoints[n % 3] if kind in demo_events.ENDPOINT_KINDS else None
        row = parse_event(demo_events.fake_activity(rng, moment, person, kind, endpoint))
        seen[kind, row["event_type"]] += 1
    assert {kind for kind, _type in seen} == set(demo_events.KINDS)
    assert seen["upload", "READ_BY_APP"] == 100 and seen["print", "PRINTED"] == 100
    assert seen["email", "EMAILED"] == 100 and seen["usb", "CREATED"] == 100


@pytest.mark.committed  # the command migrates through the engine
def test_the_demo_command_loads_events_on_request(app):
    result = app.test_cli_runner().invoke(args=["demo", "--users", "20", "--devices", "30", "--events", "300"])
    assert result.exit_code == 0, result.output
    assert "Loading demo data" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FileEvent)) == 300


@pytest.mark.committed  # the command migrates through the engine
def test_setup_with_demo_loads_users_devices_and_events(app):
    result = app.test_cli_runner().invoke(args=["setup", "--demo"])
    assert result.exit_code == 0, result.output
    assert "Database is up to date." in result.output and "user@example.com" in result.output
    with app.app_context():
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert (count(User), count(Device), count(FileEvent)) == (200, 400, 20_000)
        assert db.session.scalar(select(func.count()).select_from(FileEvent)
                                 .join(User, User.id == FileEvent.user_id)
                                 .where(User.username == "user@example.com")) > 0


def test_the_demo_stores_events_as_parse_event_and_store_would(app, world):
    """demo.EventValues skips parse_event's checks for speed; what it stores must not differ."""
    rng = random.Random(5)
    person = demo_events.make_person(rng, "user@acme.test", "risky")
    for os_name in ("windows", "macos", "linux"):
        person.endpoints.append(demo_events.make_endpoint(rng, f"host-{os_name}", os_name, "user@acme.test",
                                                          "10.0.0.5", "203.0.113.9"))
    made = []
    for n, moment in enumerate(demo_events.event_moments(rng, 350, NOW)):
        kind = demo_events.KINDS[n % len(demo_events.KINDS)]
        endpoint = person.endpoints[n % 3] if kind in demo_events.ENDPOINT_KINDS else None
        made.append((moment, demo_events.fake_activity(rng, moment, person, kind, endpoint)))
    owners = {"org_id": world["platform"], "user_id": world["user"], "device_id": world["user_laptop"]}
    with app.app_context():
        arrived = datetime(2026, 11, 25, 17, 0, 0, 123456)
        checked = [{**parse_event(event), **owners} for _moment, event in made]
        assert events.store(checked, "checked", None) == (350, 0)
        connection = db.session.connection()
        values = demo.EventValues(connection.dialect.name)
        connection.exec_driver_sql(events.insert_statement(connection.dialect.name), [
            values(event, moment, arrived, "fast", owners["org_id"], owners["user_id"], owners["device_id"])
            for moment, event in made])
        db.session.commit()
        # As the driver returns them: the very text of times and JSON, not just what they mean.
        columns = [c.name for c in FileEvent.__table__.columns if c.name not in ("id", "origin", "inserted_at")]
        stored = {origin: sorted(tuple(row) for row in db.session.execute(
            text(f"SELECT {', '.join(columns)} FROM file_events WHERE origin = :origin"), {"origin": origin}))
            for origin in ("checked", "fast")}
        assert db.session.scalar(select(func.min(FileEvent.inserted_at)).where(FileEvent.origin == "fast")) == arrived
    assert len(stored["fast"]) == 350 and stored["fast"] == stored["checked"]
    assert {row[columns.index("event_type")] for row in stored["fast"]} == {
        "CREATED", "MODIFIED", "DELETED", "READ_BY_APP", "EMAILED", "PRINTED"}
