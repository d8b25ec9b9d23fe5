"""Every way file events come in is stored through events.store_events, which tells its subscribers."""
import json
import uuid

import pytest
from sqlalchemy import func, select

from tests.blueprints.test_agent_api import API, auth, register
from tests.blueprints.test_data_connections import create, secadmin  # noqa: F401 (a fixture)
from webconsole.demo.data import load_demo
from webconsole.domain import events
from webconsole.extensions import db
from webconsole.models import FileEvent
from webconsole.store.event_import import import_file


def v1(n, **fields):
    return {"eventId": f"evt-{n}-{uuid.uuid4().hex[:8]}", "eventType": "CREATED",
            "eventTimestamp": "2026-11-20T10:00:00Z", "fileName": f"file-{n}.txt", "filePath": "/home/u/", **fields}


@pytest.fixture
def told():
    """What the subscribers are told, StoredEvents in order; the subscriber goes when the test ends."""
    heard = []
    events.on_events_stored(heard.append)
    yield heard
    events.forget_subscriber(heard.append)


def stored_between(app, summary):
    """The (origin, event id) of the events stored with ids in the summary's range."""
    with app.app_context():
        return set(db.session.execute(select(FileEvent.origin, FileEvent.event_id).where(
            FileEvent.id.between(summary.first_id, summary.last_id))).all())


def test_an_agents_batch_is_told_once_committed(app, client, world, told):
    device = auth(register(client, app, world).get_json())
    batch = [v1(1), v1(2)]
    assert client.post(f"{API}/file-events", json={"events": batch}, headers=device).get_json()["stored"] == 2
    [summary] = told
    assert summary.count == 2 and summary.first_id <= summary.last_id
    origin = summary.origins[0]
    assert summary.origins == (origin,) and origin.startswith("d")
    assert stored_between(app, summary) == {(origin, e["eventId"]) for e in batch}
    # The same batch again stores nothing new, and nobody is told of it.
    assert client.post(f"{API}/file-events", json={"events": batch}, headers=device).get_json()["duplicates"] == 2
    assert len(told) == 1


def test_a_data_connections_request_is_told_once_committed(app, client, secadmin, told):  # noqa: F811
    connection_id, path, token = create(client)
    body = {"events": [v1(1), v1(2), v1(3)]}
    assert client.post(path, json=body, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    [summary] = told
    assert (summary.origins, summary.count) == ((f"c{connection_id}",), 3)
    assert {event_id for _origin, event_id in stored_between(app, summary)} == {e["eventId"] for e in body["events"]}


@pytest.mark.committed  # the import parses in worker processes and commits each chunk
def test_an_import_tells_each_chunk_it_commits(app, world, tmp_path, told, monkeypatch):
    monkeypatch.setattr("webconsole.store.event_files.CHUNK_BYTES", 600)  # a few events a chunk
    lines = [v1(n) for n in range(20)]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with app.app_context():
        assert import_file(str(path)).stored == 20
    assert len(told) > 1 and sum(summary.count for summary in told) == 20
    assert all(summary.origins == ("import",) for summary in told)
    ids = set().union(*(stored_between(app, summary) for summary in told))
    assert ids == {("import", line["eventId"]) for line in lines}


def test_the_demo_loader_tells_what_it_stored(app, told):
    with app.app_context():
        load_demo("demo-password", users=20, devices=30, events=500)
        total = db.session.scalar(select(func.count()).select_from(FileEvent))
    assert total == 500 and sum(summary.count for summary in told) == 500
    assert "demo" in told[0].origins and any(origin.startswith("c") for origin in told[0].origins)
    assert sum(len(stored_between(app, summary)) for summary in told) == 500


def test_nothing_is_told_of_a_batch_rolled_back(app, told):
    def insert_then_fail(connection, inserted_at):
        events.bulk_insert([{**events._OWNERS, **events.parse_event(v1(1)), "origin": "test",
                             "inserted_at": inserted_at}])
        raise RuntimeError("the disk is full")

    with app.app_context():
        with pytest.raises(RuntimeError):
            events.store_events(("test",), insert_then_fail)
        assert db.session.scalar(select(func.count()).select_from(FileEvent)) == 0
    assert told == []


def test_a_failing_subscriber_neither_loses_the_batch_nor_silences_the_others(app, told):
    def broken(_stored):
        raise ValueError("a bug in a subscriber")

    events.on_events_stored(broken)
    try:
        events.forget_subscriber(told.append)  # told after the broken one
        events.on_events_stored(told.append)
        with app.app_context():
            assert events.store([events.parse_event(v1(1))], "test") == (1, 0)
    finally:
        events.forget_subscriber(broken)
    assert [summary.count for summary in told] == [1]
