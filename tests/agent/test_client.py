"""The HTTP client: JSON, headers, and which answers mean "try later" and which are refusals."""
import pytest

from webconsole_agent import __version__
from webconsole_agent.client import ApiError, Client, Unreachable

HEARTBEAT = "/api/agent/v1/heartbeat"


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_server_trouble_means_try_later(stub, status):
    stub.script(HEARTBEAT, (status, {"error": {"code": "x", "message": "y"}}))
    with pytest.raises(Unreachable):
        Client(stub.url, ("1", "2")).heartbeat({})


def test_refusal_carries_code_field_and_event(stub):
    stub.script(HEARTBEAT, (400, {"error": {"code": "invalid_field", "message": "bad", "field": "events[0].x",
                                            "eventId": "e1"}}))
    with pytest.raises(ApiError) as refused:
        Client(stub.url, ("1", "2")).heartbeat({})
    error = refused.value
    assert (error.status, error.code, error.message, error.field, error.event_id) == \
        (400, "invalid_field", "bad", "events[0].x", "e1")


def test_unknown_path_is_a_refusal_not_trouble(stub):
    with pytest.raises(ApiError) as refused:
        Client(stub.url).call("GET", "/nowhere")
    assert refused.value.status == 404


def test_requests_are_json_with_device_credentials(stub):
    assert Client(stub.url, ("100", "s")).heartbeat({"agent_version": "1.0.0"})["heartbeat_seconds"] == 60
    _method, path, headers, body = stub.requests[-1]
    assert path == HEARTBEAT and body == {"agent_version": "1.0.0"}
    assert headers["Content-Type"] == "application/json"
    assert headers["Authorization"] == "Device 100:s"
    assert headers["User-Agent"] == f"webconsole-agent/{__version__}"


def test_unacknowledged_batch_is_not_taken_as_stored(stub):
    stub.script("/api/agent/v1/file-events", (202, {}))
    with pytest.raises(Unreachable):
        Client(stub.url).send_events([])


@pytest.mark.parametrize("server", ["http://h:1", "http://h:1/"])
def test_api_base_with_or_without_trailing_slash(server):
    assert Client(server).base == "http://h:1/api/agent/v1"
