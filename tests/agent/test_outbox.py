"""The outbox: events survive restarts, leave only when acknowledged, and a refused event never blocks the rest."""
import os
import socket
import stat
import uuid

import pytest

from webconsole_agent import upload
from webconsole_agent.client import ApiError, Client, Unreachable
from webconsole_agent.state import State

EVENTS_PATH = "/api/agent/v1/file-events"


def event(n):
    return {"eventId": str(uuid.uuid4()), "eventType": "CREATED", "eventTimestamp": "2026-11-25T10:00:00Z",
            "fileName": f"f{n}.txt", "filePath": "/home/una/"}


def queue(state, count):
    queued = [event(n) for n in range(count)]
    with state.transaction():
        for e in queued:
            state.queue_event(e)
    return [e["eventId"] for e in queued]


def sent_ids(stub):
    return [[e["eventId"] for e in body["events"]] for body in stub.bodies(EVENTS_PATH)]


def test_events_survive_reopening_the_state(state_dir):
    with State(state_dir) as state:
        ids = queue(state, 3)
    with State(state_dir) as state:
        assert [q.event["eventId"] for q in state.pending(10)] == ids


def test_state_folder_is_private(state):
    assert stat.S_IMODE(os.stat(state.dir).st_mode) == 0o700


def test_batches_go_oldest_first_and_leave_only_when_acknowledged(state, stub):
    ids = queue(state, 5)
    assert upload.drain(state, Client(stub.url), batch_size=2) == 5
    assert sent_ids(stub) == [ids[0:2], ids[2:4], ids[4:5]]
    assert state.queued_count() == 0


def test_server_error_keeps_the_batch_and_the_resend_carries_the_same_ids(state, stub):
    ids = queue(state, 3)
    stub.script(EVENTS_PATH, (500, {"error": {"code": "internal", "message": "boom"}}))
    with pytest.raises(Unreachable):
        upload.send_batch(state, Client(stub.url), 1000)
    assert state.queued_count() == 3
    assert upload.send_batch(state, Client(stub.url), 1000) == 3
    assert sent_ids(stub) == [ids, ids]
    assert stub.stored == ids and state.queued_count() == 0


def test_lost_answer_is_resent_and_stored_once(state, stub):
    """The server stored the batch but the answer never arrived: the same events go again, the server dedups."""
    ids = queue(state, 2)
    stub.stored.extend(ids)
    stub.script(EVENTS_PATH, (503, {}))
    with pytest.raises(Unreachable):
        upload.send_batch(state, Client(stub.url), 1000)
    upload.send_batch(state, Client(stub.url), 1000)
    assert stub.stored == ids and state.queued_count() == 0


def test_unreachable_server_keeps_everything(state):
    ids = queue(state, 2)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Unreachable):
        upload.send_batch(state, Client(f"http://127.0.0.1:{port}"), 1000)
    assert [q.event["eventId"] for q in state.pending(10)] == ids


def test_event_named_by_a_400_is_set_aside_and_the_others_are_sent(state, stub):
    ids = queue(state, 3)
    stub.script(EVENTS_PATH, (400, {"error": {"code": "invalid_field", "field": "events[1].md5Checksum",
                                              "message": "events[1].md5Checksum must be 32 hexadecimal digits",
                                              "eventId": ids[1]}}))
    assert upload.drain(state, Client(stub.url), 1000) == 3
    assert sent_ids(stub) == [ids, [ids[0], ids[2]]]
    assert stub.stored == [ids[0], ids[2]]
    [(rejected, message)] = state.rejected()
    assert rejected["eventId"] == ids[1] and "md5Checksum" in message


def test_event_named_only_by_its_field_is_set_aside(state, stub):
    ids = queue(state, 3)
    stub.script(EVENTS_PATH, (400, {"error": {"code": "invalid_field", "field": "events[2].fileName",
                                              "message": "too long"}}))
    upload.drain(state, Client(stub.url), 1000)
    assert [e["eventId"] for e, _m in state.rejected()] == [ids[2]]
    assert stub.stored == ids[:2]


def test_unattributed_400_rejects_nothing(state, stub):
    ids = queue(state, 2)
    stub.script(EVENTS_PATH, (400, {"error": {"code": "invalid_body", "message": "the body must be a JSON object"}}))
    with pytest.raises(ApiError):
        upload.send_batch(state, Client(stub.url), 1000)
    assert state.rejected() == [] and [q.event["eventId"] for q in state.pending(10)] == ids
