"""The agent backs up with the real restic: what a scan selected, to the plan's repositories, and reports it.

The stub's plan names a local restic repository (a plan may name any restic repository; "This server"
comes as a path on the agent's server, tested end to end in tests/endpoints/)."""
import json
import shutil
import subprocess

import pytest

from tests.agent.conftest import server_settings
from webconsole_agent import backup
from webconsole_agent.agent import Agent
from webconsole_agent.state import State

PLAN = "/api/agent/v1/backup-plan"
HEARTBEAT = "/api/agent/v1/heartbeat"
pytestmark = pytest.mark.skipif(shutil.which("restic") is None, reason="restic is installed by make test")


@pytest.fixture
def repo(tmp_path):
    return tmp_path / "repo"


@pytest.fixture
def agent(config, stub, home, repo):
    stub.settings = server_settings(included=[str(home)], destinations=["7"])
    stub.plan = {"key_type": "standard", "forget": ["--keep-within", "7d"],
                 "destinations": [{"guid": "7", "name": "This server", "kind": "local", "repository": f"local:{repo}",
                                   "password": "repository-password", "append_only": False}]}
    with State(config.state_dir) as state:
        found = Agent(config, state)
        found.register()
        yield found


def plan_answers(stub, times=5):
    stub.script(PLAN, *[(200, stub.plan)] * times)


def restic(repo, *arguments, password="repository-password"):
    done = subprocess.run(["restic", "--json", "-r", str(repo), *arguments], capture_output=True, check=True,
                          env={"RESTIC_PASSWORD": password, "PATH": "/usr/bin:/bin", "HOME": str(repo.parent)})
    return done.stdout


def snapshot_files(repo, snapshot="latest", password="repository-password"):
    lines = [json.loads(line) for line in restic(repo, "ls", snapshot, password=password).splitlines() if line.strip()]
    return {line["path"] for line in lines if line.get("type") == "file"}


def test_a_scan_is_backed_up_restorable_byte_for_byte_and_reported(agent, stub, home, repo, tmp_path):
    (home / "plan.txt").write_bytes(b"the plan\n")
    (home / "deep").mkdir()
    (home / "deep" / "data.bin").write_bytes(bytes(range(256)) * 1000)
    (home / "scratch.tmp").write_bytes(b"excluded by the console's own expression")
    plan_answers(stub)
    result = agent.scan()
    [(guid, run)] = agent.backup(result).items()
    assert (guid, run.status, run.percent_complete, run.files_new, run.error) == ("7", "completed", 100.0, 2, "")
    # restic 0.14 gives the snapshot's short id
    assert len(run.snapshot_id) >= 8 and run.archive_bytes > 0 and run.selected_files == 2
    assert snapshot_files(repo) == {str(home / "plan.txt"), str(home / "deep" / "data.bin")}
    restic(repo, "restore", "latest", "--target", str(tmp_path / "back"))
    assert (tmp_path / "back" / home.relative_to("/") / "deep" / "data.bin").read_bytes() == \
        (home / "deep" / "data.bin").read_bytes()
    agent.heartbeat()
    [entry] = stub.bodies(HEARTBEAT)[-1]["backup"]
    assert (entry["status"], entry["percent_complete"], entry["files_new"], entry["snapshot_id"]) == (
        "completed", 100.0, 2, run.snapshot_id)
    assert entry["last_completed_backup"].endswith("Z") and "password" not in json.dumps(entry)


def test_nothing_changed_means_no_backup_and_a_change_is_backed_up(agent, stub, home, repo):
    (home / "a.txt").write_bytes(b"one")
    plan_answers(stub)
    agent.backup(agent.scan())
    asked = len(stub.bodies(PLAN))
    assert agent.backup(agent.scan()) is None and len(stub.bodies(PLAN)) == asked
    (home / "a.txt").write_bytes(b"one and two")
    [run] = agent.backup(agent.scan()).values()
    assert (run.status, run.files_changed, run.files_new) == ("completed", 1, 0)
    assert len(json.loads(restic(repo, "snapshots"))) == 2


def test_without_restic_the_device_reports_the_fix_and_goes_on(agent, stub, home, monkeypatch):
    (home / "a.txt").write_bytes(b"one")
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    plan_answers(stub)
    [run] = agent.backup(agent.scan()).values()
    assert run.status == "failed" and run.error.startswith("restic is not installed on this device")
    agent.heartbeat()
    assert stub.bodies(HEARTBEAT)[-1]["backup"][0]["error"] == run.error


def test_a_destination_that_stores_nothing_is_reported_with_its_reason(agent, stub, home):
    (home / "a.txt").write_bytes(b"one")
    stub.plan["destinations"] = [{"guid": "7", "name": "Cloud", "kind": "cloud", "reason": "takes no backups"}]
    plan_answers(stub)
    [run] = agent.backup(agent.scan()).values()
    assert (run.status, run.error) == ("failed", "takes no backups")


def test_a_custom_key_is_made_on_the_device_and_kept(agent, stub, home, repo):
    (home / "a.txt").write_bytes(b"one")
    stub.plan["key_type"] = "custom"
    del stub.plan["destinations"][0]["password"]
    plan_answers(stub)
    [run] = agent.backup(agent.scan()).values()
    key = agent.state.get("custom_key")
    assert run.status == "completed" and len(key) >= 40
    assert snapshot_files(repo, password=key) == {str(home / "a.txt")}
    with pytest.raises(subprocess.CalledProcessError):
        restic(repo, "snapshots")  # the plan's password is not the key


def test_an_archive_password_must_be_set_on_the_device(agent, stub, home, repo):
    (home / "a.txt").write_bytes(b"one")
    stub.plan["key_type"] = "password"
    plan_answers(stub)
    [run] = agent.backup(agent.scan()).values()
    assert run.status == "failed" and "archive-password" in run.error
    agent.state.put("archive_password", "only-the-user-knows")
    (home / "a.txt").write_bytes(b"two")
    [run] = agent.backup(agent.scan()).values()
    assert run.status == "completed" and json.loads(restic(repo, "snapshots", password="only-the-user-knows"))


def test_append_only_repositories_forget_nothing(agent, stub, home, repo):
    stub.plan["forget"] = ["--keep-last", "1"]
    stub.plan["destinations"][0]["append_only"] = True
    plan_answers(stub, 10)
    for n in range(3):
        (home / "a.txt").write_bytes(b"version %d" % n)
        assert [r.status for r in agent.backup(agent.scan()).values()] == ["completed"]
    assert len(json.loads(restic(repo, "snapshots"))) == 3
    stub.plan["destinations"][0]["append_only"] = False
    (home / "a.txt").write_bytes(b"version 4")
    agent.backup(agent.scan())
    assert len(json.loads(restic(repo, "snapshots"))) == 1  # forget --keep-last 1 --prune


def test_the_archive_password_is_set_once_from_standard_input(state_dir, monkeypatch, capsys):
    import io

    from webconsole_agent import __main__ as cli
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["--state-dir", str(state_dir), "archive-password"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    assert cli.main(["--state-dir", str(state_dir), "archive-password"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another one entirely\n"))
    assert cli.main(["--state-dir", str(state_dir), "archive-password"]) == 2
    assert "cannot be changed" in capsys.readouterr().err
    with State(state_dir) as state:
        assert state.get("archive_password") == "a long enough secret"


def test_a_restore_command_restores_beside_or_over_the_files(agent, stub, home, repo, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "una"))
    (home / "a.txt").write_bytes(b"version one")
    plan_answers(stub, 10)
    [run] = agent.backup(agent.scan()).values()
    (home / "a.txt").write_bytes(b"changed since")
    snapshot = json.loads(restic(repo, "snapshots"))[0]["id"]
    stub.script("/api/agent/v1/restores/5", (200, {"id": 5, "snapshot": snapshot, "paths": [str(home / "a.txt")],
                                                   "target": "", "conflict": "rename"}))
    text, ok = agent.restore("5")
    [kept] = (tmp_path / "una").glob("Restored */" + str(home / "a.txt").lstrip("/"))
    assert ok and kept.read_bytes() == b"version one" and (home / "a.txt").read_bytes() == b"changed since"
    stub.script("/api/agent/v1/restores/6", (200, {"id": 6, "snapshot": snapshot, "paths": [str(home / "a.txt")],
                                                   "target": "", "conflict": "overwrite"}))
    assert agent.restore("6")[1] and (home / "a.txt").read_bytes() == b"version one"
    stub.script("/api/agent/v1/restores/7", (404, {"error": {"code": "unknown_restore", "message": "no such"}}))
    text, ok = agent.restore("7")
    assert not ok and "could not be read" in text
    assert agent.restore("../etc") == ("no such restore", False)


def test_a_backup_goes_straight_to_s3_compatible_storage_with_the_plans_key(agent, stub, home, s3_endpoint):
    (home / "a.txt").write_bytes(b"to the bucket")
    key = {"AWS_ACCESS_KEY_ID": "test-key-id", "AWS_SECRET_ACCESS_KEY": "test-secret",
           "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/nowhere", "RESTIC_PASSWORD": "not from a plan"}
    stub.plan["destinations"] = [{"guid": "7", "name": "Bucket", "kind": "s3", "env": key, "append_only": False,
                                  "repository": f"s3:{s3_endpoint}/backups/dev-1", "password": "repository-password"}]
    plan_answers(stub)
    [run] = agent.backup(agent.scan()).values()
    assert (run.status, run.files_new) == ("completed", 1)
    listed = subprocess.run(["restic", "--json", "-r", f"s3:{s3_endpoint}/backups/dev-1", "snapshots"], check=True,
                            capture_output=True, env={"PATH": "/usr/bin:/bin", "HOME": str(home),
                                                      "RESTIC_PASSWORD": "repository-password",
                                                      **{k: v for k, v in key.items() if k.startswith("AWS_")}})
    assert len(json.loads(listed.stdout)) == 1
