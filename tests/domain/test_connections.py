"""Data connections: tokens kept as hashes, events stored or refused one by one, counts and errors kept."""
import uuid

import pytest
from sqlalchemy import func, select

from webconsole.domain import connections
from webconsole.domain.errors import ValidationError
from webconsole.extensions import db
from webconsole.models import AuditEvent, DataConnection, FileEvent, IngestError, User


def event(**changes):
    return {"eventId": str(uuid.uuid4()), "eventType": "MODIFIED", "eventTimestamp": "2026-11-25T10:04:31.120Z",
            "fileName": "board-deck.pptx", "filePath": "https://drive.example.test/Shared/", "fileSize": 9120,
            "deviceUserName": "USER@acme.test", "exposure": ["SharedViaLink"], **changes}


@pytest.fixture
def ctx(app, world):
    with app.app_context():
        yield db.session.get(User, world["admin"])


def test_the_token_is_returned_once_and_only_its_hash_is_kept(ctx):
    connection, token = connections.create_connection(ctx, name="Acme Drive", kind="google_drive")
    assert token.startswith(connections.TOKEN_PREFIX) and len(token) > 40
    stored = db.session.get(DataConnection, connection.id)
    assert token not in (stored.token_hash, stored.key) and stored.token_hint == token[-4:]
    assert connections.authenticate(stored.key, token).id == connection.id
    assert db.session.scalar(select(AuditEvent.event_type).where(AuditEvent.object_type == "data_connection")) \
        == "connection.create"


def test_names_are_unique_among_connections_not_removed(ctx):
    first, _token = connections.create_connection(ctx, name="Mail", kind="gmail")
    with pytest.raises(ValidationError) as refused:
        connections.create_connection(ctx, name="  mail ", kind="webhook")
    assert refused.value.field == "name"
    connections.remove_connection(ctx, first)
    again, _token = connections.create_connection(ctx, name="Mail", kind="gmail")
    assert again.id != first.id


def test_unknown_kind_is_refused(ctx):
    with pytest.raises(ValidationError) as refused:
        connections.create_connection(ctx, name="Something", kind="ftp")
    assert refused.value.field == "kind"


def test_a_batch_is_stored_with_the_connection_as_source(ctx, world):
    connection, _token = connections.create_connection(ctx, name="Acme Drive", kind="google_drive")
    good = event(source="Endpoint")
    answer = connections.ingest(connection, [good, event(deviceUserName="nobody@elsewhere.test")])
    assert answer == {"received": 2, "stored": 2, "duplicates": 0}
    stored = db.session.execute(select(FileEvent).where(FileEvent.event_id == good["eventId"])).scalar_one()
    # The connection is the source, whatever the event says; the user is found by name whatever its case.
    assert (stored.source, stored.origin, stored.user_id) == ("GoogleDrive", f"c{connection.id}", world["user"])
    connection = db.session.get(DataConnection, connection.id)
    assert (connection.events_received, connection.events_rejected) == (2, 0)
    assert connection.last_event_at is not None


def test_a_batch_with_a_bad_event_stores_nothing_and_names_every_bad_one(ctx):
    connection, _token = connections.create_connection(ctx, name="Acme Drive", kind="google_drive")
    with pytest.raises(connections.IngestRefused) as refused:
        connections.ingest(connection, [event(), event(fileSize="big"), "not an event"])
    assert (refused.value.status, refused.value.code) == (400, "invalid_events")
    assert str(refused.value).startswith("events[1].fileSize: fileSize must be a whole number")
    assert [(r["index"], r["field"]) for r in refused.value.details["rejected"]] == \
        [(1, "events[1].fileSize"), (2, "events[2]")]
    assert db.session.scalar(select(func.count()).select_from(FileEvent)) == 0
    connection = db.session.get(DataConnection, connection.id)
    assert (connection.events_received, connection.events_rejected) == (0, 3)
    assert [e.message for e in connections.recent_errors(connection)][-1].startswith("events[1].fileSize: ")


def test_sending_the_same_events_again_stores_nothing_twice(ctx):
    connection, _token = connections.create_connection(ctx, name="Hook", kind="webhook")
    batch = [event(), event()]
    connections.ingest(connection, batch)
    assert connections.ingest(connection, batch) == {"received": 2, "stored": 0, "duplicates": 2}
    assert db.session.scalar(select(func.count()).select_from(FileEvent)) == 2
    assert db.session.get(DataConnection, connection.id).events_received == 2


def test_the_same_event_id_from_two_connections_is_two_events(ctx):
    one, _ = connections.create_connection(ctx, name="Box one", kind="box")
    two, _ = connections.create_connection(ctx, name="Box two", kind="box")
    same = event()
    connections.ingest(one, [same])
    assert connections.ingest(two, [same])["stored"] == 1


@pytest.mark.parametrize("payload", [None, "x", {"event": []}])
def test_a_body_without_an_events_list_is_refused_and_noted(ctx, payload):
    connection, _token = connections.create_connection(ctx, name="Hook", kind="webhook")
    with pytest.raises(connections.IngestRefused) as refused:
        connections.ingest(connection, payload)
    assert (refused.value.status, refused.value.code) == (400, "invalid_request")
    assert db.session.get(DataConnection, connection.id).events_rejected == 1


def test_a_paused_connection_refuses_events_until_resumed(ctx):
    connection, _token = connections.create_connection(ctx, name="Hook", kind="webhook")
    connections.set_paused(ctx, connection, True)
    with pytest.raises(connections.IngestRefused) as refused:
        connections.ingest(connection, [event(), event()])
    assert refused.value.status == 409
    assert db.session.get(DataConnection, connection.id).events_rejected == 2
    connections.set_paused(ctx, connection, False)
    assert connections.ingest(connection, [event()])["stored"] == 1
    assert [e for (e,) in db.session.execute(select(AuditEvent.event_type).order_by(AuditEvent.id))][-2:] == \
        ["connection.pause", "connection.resume"]


def test_too_many_events_in_one_request_are_refused(ctx):
    connection, _token = connections.create_connection(ctx, name="Hook", kind="webhook")
    with pytest.raises(connections.IngestRefused) as refused:
        connections.ingest(connection, [event() for _ in range(1001)])
    assert refused.value.status == 413
    assert db.session.scalar(select(func.count()).select_from(FileEvent)) == 0


def test_a_new_token_replaces_the_old_one_at_once(ctx):
    connection, old = connections.create_connection(ctx, name="Hook", kind="webhook")
    new = connections.rotate_token(ctx, connection)
    assert connections.authenticate(connection.key, new).id == connection.id
    with pytest.raises(connections.IngestRefused) as refused:
        connections.authenticate(connection.key, old)
    assert refused.value.status == 401
    assert db.session.get(DataConnection, connection.id).events_rejected == 0  # a wrong token changes nothing


def test_a_removed_connection_answers_as_if_it_never_existed(ctx):
    connection, token = connections.create_connection(ctx, name="Hook", kind="webhook")
    connections.ingest(connection, [event()])
    connections.remove_connection(ctx, connection)
    with pytest.raises(connections.IngestRefused) as refused:
        connections.authenticate(connection.key, token)
    assert refused.value.status == 404
    with pytest.raises(ValidationError):
        connections.rotate_token(ctx, connection)
    # The events it brought stay.
    assert db.session.scalar(select(func.count()).select_from(FileEvent)) == 1


def test_only_the_newest_errors_are_kept(ctx, monkeypatch):
    monkeypatch.setattr(connections, "ERRORS_KEPT", 5)
    connection, _token = connections.create_connection(ctx, name="Hook", kind="webhook")
    for n in range(4):
        with pytest.raises(connections.IngestRefused):
            connections.ingest(connection, [event(eventType=f"BAD{n}"), event(eventType=f"BAD{n}")])
    kept = db.session.scalars(select(IngestError.message).where(IngestError.connection_id == connection.id)
                              .order_by(IngestError.id)).all()
    assert len(kept) == 5 and db.session.get(DataConnection, connection.id).events_rejected == 8


def test_changes_are_audited_with_what_changed(ctx):
    connection, _token = connections.create_connection(ctx, name="Hook", kind="webhook")
    connections.update_connection(ctx, connection, name="Partner hook", description="From the partner portal")
    entry = db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == "connection.update")).one()
    assert entry.details["name"] == ["Hook", "Partner hook"] and entry.object_label == "Partner hook"
