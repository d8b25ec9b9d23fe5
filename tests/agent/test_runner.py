"""Running the agent: --once exit statuses, and the daemon's restart and shutdown."""
import os
import socket
import threading

import pytest

from tests.agent.conftest import SECRET
from tests.polling import wait_for
from webconsole_agent import __main__ as cli
from webconsole_agent import runner
from webconsole_agent.state import State

EVENTS = "/api/agent/v1/file-events"


def once(stub, state_dir, *extra, server=None):
    return cli.main(["--server", server or stub.url, "--registration-key", "ABCD-EFGH-JKLM-NPQR", "--username",
                     "una@example.com", "--state-dir", str(state_dir), "--once", *extra])


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("WEBCONSOLE_AGENT_PASSWORD", "correct horse")


def test_first_run_registers_and_sends_nothing(stub, state_dir, home):
    (home / "a.txt").write_bytes(b"a")
    assert once(stub, state_dir) == 0
    paths = [p for _m, p, _h, _b in stub.requests]
    assert paths[0] == "/api/agent/v1/register" and "/api/agent/v1/heartbeat" in paths
    assert "/api/agent/v1/client-version" in paths and EVENTS not in paths
    assert stub.bodies("/api/agent/v1/register")[0]["password"] == "correct horse"


def test_later_runs_send_changes(stub, state_dir, home):
    assert once(stub, state_dir) == 0
    (home / "a.txt").write_bytes(b"a")
    assert once(stub, state_dir) == 0
    [batch] = stub.bodies(EVENTS)
    assert [(e["eventType"], e["fileName"]) for e in batch["events"]] == [("CREATED", "a.txt")]
    assert len(stub.bodies("/api/agent/v1/register")) == 1


def test_events_stay_queued_with_status_3_while_the_server_fails(stub, state_dir, home):
    assert once(stub, state_dir) == 0
    (home / "a.txt").write_bytes(b"a")
    stub.script(EVENTS, (502, {}))
    assert once(stub, state_dir) == 3
    with State(state_dir) as state:
        assert state.queued_count() == 1
    assert once(stub, state_dir) == 0
    first, second = stub.bodies(EVENTS)
    assert first == second and len(stub.stored) == 1


def test_unreachable_server_at_registration_is_status_3(state_dir, stub):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert once(stub, state_dir, server=f"http://127.0.0.1:{port}/") == 3


def test_refused_registration_is_status_1(stub, state_dir):
    stub.script("/api/agent/v1/register", (403, {"error": {"code": "unknown_registration_key", "message": "no"}}))
    assert once(stub, state_dir) == 1


def test_blocked_device_is_status_1_and_keeps_its_events(stub, state_dir, home):
    assert once(stub, state_dir) == 0
    (home / "a.txt").write_bytes(b"a")
    stub.script("/api/agent/v1/heartbeat", (403, {"error": {"code": "device_blocked", "message": "blocked"}}))
    assert once(stub, state_dir) == 1
    with State(state_dir) as state:
        assert state.queued_count() == 1


def test_status_command_prints_no_secret(stub, state_dir, capsys):
    once(stub, state_dir)
    capsys.readouterr()
    assert cli.main(["--state-dir", str(state_dir), "status"]) == 0
    out = capsys.readouterr().out
    assert "registered: yes" in out and "queued events: 0" in out and SECRET not in out


def test_state_folder_is_created_private(stub, state_dir):
    once(stub, state_dir)
    assert os.stat(state_dir).st_mode & 0o777 == 0o700


def test_batch_size_above_1000_is_refused(stub, state_dir):
    assert once(stub, state_dir, "--batch-size", "1001") == 2


def test_configuration_file_and_flags_over_it(tmp_path, stub, state_dir):
    path = tmp_path / "agent.toml"
    path.write_text(f'server = "http://nowhere.invalid/"\nregistration_key = "ABCD-EFGH-JKLM-NPQR"\n'
                    f'username = "una@example.com"\nstate_dir = "{state_dir}"\nbatch_size = 10\n')
    assert cli.main(["--config", str(path), "--server", stub.url, "--once"]) == 0
    with State(state_dir) as state:
        assert state.registration().server == stub.url.rstrip("/")


@pytest.mark.parametrize("value", ['"/media/stick"', "[1]", '[""]'])
def test_removable_media_must_be_a_list_of_folders(tmp_path, stub, state_dir, value):
    path = tmp_path / "agent.toml"
    path.write_text(f'server = "{stub.url}"\nstate_dir = "{state_dir}"\nremovable_media = {value}\n')
    assert cli.main(["--config", str(path), "--once"]) == 2


def test_daemon_restarts_after_answering(stub, config, monkeypatch):
    """A restart command is answered first; the daemon then stops cleanly and starts itself again in place."""
    stub.commands = [{"id": 7, "command": "restart", "arguments": ""}]
    started = []
    monkeypatch.setattr(os, "execv", lambda _program, args: started.append(args))
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)
    monkeypatch.setattr(cli, "load", lambda args: config)
    assert cli.main(["--scan-seconds", "3600"]) == 0
    assert stub.bodies("/api/agent/v1/commands/7/result") == [{"output": "restarting", "exit_status": 0}]
    [args] = started
    assert args[1:] == ["-m", "webconsole_agent", "--scan-seconds", "3600"]


def last_scan(state_dir):
    """The daemon's last scan record, or None."""
    with State(state_dir) as state:
        return state.get("last_scan")


def test_daemon_scans_uploads_and_stops_on_request(stub, config, home):
    config.scan_seconds = 1
    daemon = runner.Daemon(config)
    thread = threading.Thread(target=daemon.run)
    thread.start()
    try:
        wait_for(lambda: last_scan(config.state_dir), what="the first scan")
        (home / "a.txt").write_bytes(b"a")
        wait_for(lambda: stub.stored, what="the upload")
    finally:
        daemon.shutdown()
        thread.join(10)
    assert not thread.is_alive()
    assert [e["fileName"] for batch in stub.bodies(EVENTS) for e in batch["events"]] == ["a.txt"]


def test_refused_daemon_waits_quietly(stub, config, home, monkeypatch):
    """A blocked device keeps its registration and events, and the daemon does not spin while it waits."""
    with State(config.state_dir) as state:
        state.save_registration("100000000000000001", SECRET, stub.url.rstrip("/"))
        state.put("settings", stub.settings)
        state.put("covered_roots", [str(home)])
    (home / "a.txt").write_bytes(b"a")
    stub.script("/api/agent/v1/heartbeat", (403, {"error": {"code": "device_blocked", "message": "blocked"}}))
    daemon = runner.Daemon(config)
    sleeps = []
    real_sleep = daemon._sleep
    monkeypatch.setattr(daemon, "_sleep", lambda seconds: (sleeps.append(seconds), real_sleep(seconds)))
    thread = threading.Thread(target=daemon.run)
    thread.start()
    wait_for(lambda: stub.bodies("/api/agent/v1/heartbeat"), what="the refused heartbeat")
    threading.Event().wait(1)  # a window in which a spinning daemon would heartbeat or wake again
    daemon.shutdown()
    thread.join(10)
    paths = [p for _m, p, _h, _b in stub.requests]
    assert paths.count("/api/agent/v1/heartbeat") == 1
    assert "/api/agent/v1/register" not in paths and EVENTS not in paths
    assert len(sleeps) < 20
    with State(config.state_dir) as state:
        assert state.queued_count() == 1 and state.registration() is not None


def test_backoff_doubles_to_a_minute():
    backoff = runner.Backoff()
    assert [backoff.failed() for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    backoff.reset()
    assert backoff.failed() == 1
