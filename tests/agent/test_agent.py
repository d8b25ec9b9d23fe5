"""Registration, heartbeats and refusals against the stub agent API."""
import logging

import pytest

from tests.agent.conftest import GUID, SECRET, server_settings
from webconsole_agent import __version__, system
from webconsole_agent.agent import Agent, Refused, RegistrationFailed
from webconsole_agent.state import State

HEARTBEAT = "/api/agent/v1/heartbeat"


@pytest.fixture
def agent(config):
    with State(config.state_dir) as state:
        yield Agent(config, state)


def test_registration_sends_the_device_and_keeps_guid_and_secret(agent, stub, caplog):
    with caplog.at_level(logging.DEBUG):
        agent.register()
    [body] = stub.bodies("/api/agent/v1/register")
    assert body["registration_key"] == "ABCD-EFGH-JKLM-NPQR" and body["password"] == "correct horse"
    assert body["hostname"] == system.hostname() and body["os"] in ("linux", "macos", "windows")
    assert body["agent_version"] == __version__
    registration = agent.state.registration()
    assert (registration.guid, registration.secret, registration.server) == (GUID, SECRET, stub.url.rstrip("/"))
    assert SECRET not in caplog.text


def test_heartbeat_authenticates_and_takes_settings_and_commands(agent, stub):
    agent.register()
    stub.settings = server_settings(included=["/srv"], locked=["backup.frequency_minutes"])
    stub.commands = [{"id": 9, "command": "version", "arguments": ""}]
    assert agent.heartbeat() == [{"id": 9, "command": "version", "arguments": ""}]
    _m, _p, headers, body = stub.requests[-1]
    assert headers["Authorization"] == f"Device {GUID}:{SECRET}"
    assert headers["User-Agent"] == f"webconsole-agent/{__version__}"
    assert body["agent_version"] == __version__ and body["backup"] == []
    assert agent.effective_settings()["backup"]["frequency_minutes"].locked
    assert agent.state.get("last_heartbeat").endswith("Z")


def test_backup_report_per_destination_after_a_scan(agent, stub, home):
    stub.settings = server_settings(included=[str(home)], destinations=[7, 8])
    (home / "a.txt").write_bytes(b"12345")
    agent.register()
    agent.scan()
    agent.heartbeat()
    report = stub.bodies(HEARTBEAT)[-1]["backup"]
    assert [r["destination_guid"] for r in report] == ["7", "8"]
    assert report[0]["selected_files"] == 1 and report[0]["selected_bytes"] == 5
    # A scan selects; only a backup run (tests/agent/test_backup.py) completes anything.
    assert report[0]["percent_complete"] == 0 and "last_backup" not in report[0] and "status" not in report[0]


def test_removable_media_are_watched_outside_the_backup_sets_and_never_backed_up(config, stub, home, tmp_path):
    stick = tmp_path / "STICK"
    stick.mkdir()
    config.removable_media = [str(stick)]
    stub.settings = server_settings(included=[str(home)], destinations=[7])
    (home / "a.txt").write_bytes(b"12345")
    with State(config.state_dir) as state:
        agent = Agent(config, state)
        agent.register()
        agent.scan()  # the first scan of a folder records what is there
        (stick / "copy.txt").write_bytes(b"1234567")
        agent.scan()
        agent.send_batch()
        agent.heartbeat()
    events = [e for batch in stub.bodies("/api/agent/v1/file-events") for e in batch["events"]]
    assert [(e["fileName"], e["exposure"], e["removableMediaVolumeName"]) for e in events] == [
        ("copy.txt", ["RemovableMedia"], "STICK")]
    report = stub.bodies(HEARTBEAT)[-1]["backup"]
    assert [(r["destination_guid"], r["selected_files"], r["selected_bytes"]) for r in report] == [("7", 1, 5)]


def test_backup_report_the_server_refuses_is_left_out(agent, stub, home):
    stub.settings = server_settings(included=[str(home)], destinations=[7])
    agent.register()
    stub.script(HEARTBEAT, (400, {"error": {"code": "invalid_field", "field": "backup[0].destination_guid",
                                            "message": "backup[0].destination_guid names no destination"}}))
    agent.heartbeat()
    agent.heartbeat()
    first, second, third = stub.bodies(HEARTBEAT)
    assert "backup" in first and "backup" not in second and "backup" not in third
    stub.settings = server_settings(included=[str(home)], destinations=[8])
    agent.heartbeat()
    agent.heartbeat()
    assert stub.bodies(HEARTBEAT)[-1]["backup"][0]["destination_guid"] == "8"


def test_deauthorized_device_registers_again(agent, stub):
    agent.register()
    stub.script(HEARTBEAT, (403, {"error": {"code": "device_deauthorized", "message": "register again"}}))
    assert agent.heartbeat() == []
    assert len(stub.bodies("/api/agent/v1/register")) == 2
    assert agent.state.registration().guid == "100000000000000002"
    agent.heartbeat()
    assert stub.requests[-1][2]["Authorization"].startswith("Device 100000000000000002:")


@pytest.mark.parametrize("code", ["device_blocked", "device_deactivated"])
def test_blocked_device_keeps_its_registration(agent, stub, code, caplog):
    agent.register()
    stub.script(HEARTBEAT, (403, {"error": {"code": code, "message": "no"}}))
    with caplog.at_level(logging.ERROR), pytest.raises(Refused):
        agent.heartbeat()
    assert code in caplog.text
    assert agent.refused() and len(stub.bodies("/api/agent/v1/register")) == 1
    assert f"refused by the server: {code}" in agent.status_text()
    agent.heartbeat()
    assert not agent.refused()


def test_refused_registration(agent, stub):
    stub.script("/api/agent/v1/register", (403, {"error": {"code": "bad_credentials", "message": "wrong"}}))
    with pytest.raises(RegistrationFailed, match="bad_credentials"):
        agent.register()
    assert agent.state.registration() is None


def test_registration_without_a_password_is_impossible(agent, monkeypatch):
    agent.config.password = None
    monkeypatch.setattr("sys.stdin", None)
    with pytest.raises(RegistrationFailed, match="password"):
        agent.register()


def test_another_server_means_registering_again(agent, stub):
    agent.register()
    agent.config.server = "https://elsewhere.example.com"
    assert agent.registration() is None
    agent.config.server = stub.url.rstrip("/")
    assert agent.registration().guid == GUID


def test_client_version_offer_is_logged(agent, stub, caplog):
    agent.register()
    stub.script("/api/agent/v1/client-version", (200, {"current": "1.0.0", "update": True, "version": "1.2.0",
                                                        "notes": "Faster."}))
    with caplog.at_level(logging.INFO):
        agent.check_version()
    assert "1.2.0 is offered" in caplog.text
