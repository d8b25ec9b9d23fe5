"""Real restic against the console served by gunicorn: the destination "This server" end to end."""
import filecmp
import json
import os
import subprocess

import pytest
import requests
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.domain.test_settings import form
from tests.endpoints.server import ConsoleProcess
from tests.polling import wait_for
from webconsole.domain import settings, storage
from webconsole.extensions import db
from webconsole.models import BackupState, Device, Org, Repository, User

RESTIC = "/usr/bin/restic"
pytestmark = [pytest.mark.committed,
              pytest.mark.skipif(not os.path.exists(RESTIC), reason="restic is installed by make test")]


@pytest.fixture
def served(app, database_url, tmp_path):
    """The console (gunicorn) with its storage in tmp_path."""
    app.config["STORAGE_DIR"] = str(tmp_path / "storage")
    server = ConsoleProcess(database_url, log_path=tmp_path / "console.log",
                            env={"WEBCONSOLE_STORAGE_DIR": str(tmp_path / "storage")}).start()
    yield server
    server.stop()


def register(app, world, served, hostname="una-laptop"):
    """A device registered through the agent API: (guid, secret)."""
    with app.app_context():
        key = db.session.get(Org, world["platform"]).registration_key
    answer = requests.post(served.url + "/api/agent/v1/register", timeout=30, json={
        "registration_key": key, "username": "user@acme.test", "password": PASSWORD, "hostname": hostname,
        "os": "linux"})
    assert answer.status_code == 201, answer.text
    return answer.json()["guid"], answer.json()["secret"]


class Restic:
    """/usr/bin/restic on a device's repository at the console."""

    def __init__(self, served, guid, secret, tmp_path):
        self.logs = tmp_path
        self.env = {**os.environ, "RESTIC_PASSWORD": "repository password",
                    "RESTIC_CACHE_DIR": str(tmp_path / "restic-cache"),
                    "RESTIC_REPOSITORY": f"rest:http://{guid}:{secret}@127.0.0.1:{served.port}/storage/{guid}/"}

    def run(self, *arguments, check=True, timeout=300):
        done = subprocess.run([RESTIC, *arguments], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check:
            assert done.returncode == 0, done.stderr
        return done

    def start(self, *arguments):
        return subprocess.Popen([RESTIC, *arguments], env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)

    def refused(self, *arguments, status):
        """restic's error output once it reports the console's refusal `status`; restic is then stopped.
        (restic 0.14 tries a refused request ten times, about 50 s of backing off, before it gives up: the
        retries say nothing the first refusal did not. The stopped restic's lock stays: `unlock` after.)"""
        log = self.logs / "restic-refused.log"
        with open(log, "w") as errors:
            process = subprocess.Popen([RESTIC, *arguments], env=self.env, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            wait_for(lambda: status in log.read_text(), timeout=120, every=0.05, what=f"restic to report {status}")
        finally:
            process.kill()
            process.wait(timeout=30)
        return log.read_text()


def folder(path, files):
    for name, body in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(body)
    return path


def repository(app, guid):
    with app.app_context():
        device = db.session.scalar(select(Device).where(Device.guid == guid))
        found = db.session.scalar(select(Repository).where(Repository.device_id == device.id))
        return found, storage.files_of(device).totals() if found else None


def test_restic_backs_up_restores_and_prunes_through_the_console(app, world, served, tmp_path):
    guid, secret = register(app, world, served)
    restic = Restic(served, guid, secret, tmp_path)
    home = folder(tmp_path / "home", {"docs/a.txt": b"first file\n", "docs/b.bin": os.urandom(300_000),
                                      "pictures/c.jpg": os.urandom(2_000_000), "empty.txt": b""})
    restic.run("init")
    restic.run("backup", str(home))
    (home / "docs" / "a.txt").write_bytes(b"second version\n")
    restic.run("backup", str(home))
    snapshots = json.loads(restic.run("snapshots", "--json").stdout)
    assert len(snapshots) == 2 and snapshots[0]["paths"] == [str(home)]
    restic.run("check", "--read-data")

    restic.run("restore", "latest", "--target", str(tmp_path / "restored"))
    restored = tmp_path / "restored" / str(home).lstrip("/")
    assert not filecmp.dircmp(home, restored).diff_files
    for name in ("docs/a.txt", "docs/b.bin", "pictures/c.jpg"):
        assert filecmp.cmp(home / name, restored / name, shallow=False)
    for name in ("docs/b.bin", "pictures/c.jpg"):
        dumped = subprocess.run([RESTIC, "dump", "latest", str(home / name)], env=restic.env, capture_output=True,
                                timeout=60)
        assert dumped.returncode == 0 and dumped.stdout == (home / name).read_bytes()

    restic.run("forget", "--keep-last", "1", "--prune")
    assert len(json.loads(restic.run("snapshots", "--json").stdout)) == 1
    restic.run("check")
    found, (on_disk, files) = repository(app, guid)
    assert (found.stored_bytes, found.stored_files) == (on_disk, files) and files > 0


def test_the_device_credentials_guard_the_repository(app, world, served, tmp_path):
    guid, secret = register(app, world, served)
    other, other_secret = register(app, world, served, hostname="other-laptop")
    url = f"{served.url}/storage/{guid}/config"
    assert requests.get(url, timeout=30).status_code == 401
    assert requests.get(url, auth=(guid, "wrong"), timeout=30).status_code == 401
    assert requests.get(url, auth=(other, other_secret), timeout=30).status_code == 403
    wrong = Restic(served, guid, "wrong", tmp_path)
    assert wrong.run("init", check=False).returncode != 0


def test_an_append_only_repository_refuses_forget_and_prune_but_takes_backups(app, world, served, tmp_path):
    guid, secret = register(app, world, served)
    restic = Restic(served, guid, secret, tmp_path)
    home = folder(tmp_path / "home", {"a.txt": b"kept forever\n"})
    restic.run("init")
    restic.run("backup", str(home))
    with app.app_context():
        found = db.session.scalar(select(Repository).join(Device).where(Device.guid == guid))
        found.append_only = True
        db.session.commit()
    (home / "b.txt").write_bytes(b"more\n")
    restic.run("backup", str(home))
    snapshots = json.loads(restic.run("snapshots", "--json").stdout)
    assert len(snapshots) == 2
    # What restic forget would do (restic itself retries a refusal for most of a minute: the test with a
    # legal hold below lets it): delete a snapshot file.
    url = f"{served.url}/storage/{guid}/snapshots/{snapshots[0]['id']}"
    assert requests.delete(url, auth=(guid, secret), timeout=30).status_code == 403
    assert len(json.loads(restic.run("snapshots", "--json").stdout)) == 2
    restic.run("check")


def test_a_held_version_survives_the_devices_own_retention(app, world, served, tmp_path, make_user):
    """While a legal hold holds the device's user, restic forget (the device's retention) removes nothing;
    once the hold ends, the device's own retention applies again."""
    from webconsole.domain import legal_hold

    guid, secret = register(app, world, served)
    restic = Restic(served, guid, secret, tmp_path)
    home = folder(tmp_path / "home", {"contract.txt": b"version one\n"})
    restic.run("init")
    restic.run("backup", str(home))
    legal_id = make_user("legal@acme.test", "legal_hold_admin", world["root"])
    with app.app_context():
        legal = db.session.get(User, legal_id)
        policy = legal_hold.create_policy(legal, {"name": ["Everything"], "included_paths": ["~"]})
        matter = legal_hold.create_matter(legal, name="Acme v. Example", policy_id=policy.id)
        legal_hold.add_custodians(legal, matter, [str(world["user"])])
        matter_id = matter.id
    (home / "contract.txt").write_bytes(b"version two\n")
    restic.run("backup", str(home))
    assert "403" in restic.refused("forget", "--keep-last", "1", "--prune", status="403")
    restic.run("unlock")
    snapshots = json.loads(restic.run("snapshots", "--json").stdout)
    assert len(snapshots) == 2
    restored = tmp_path / "restored"
    restic.run("restore", snapshots[0]["id"], "--target", str(restored))
    assert (restored / str(home).lstrip("/") / "contract.txt").read_bytes() == b"version one\n"
    restic.run("unlock")
    with app.app_context():
        legal_hold.set_matter_active(db.session.get(User, legal_id), db.session.get(legal_hold.Matter, matter_id),
                                     False)
    restic.run("forget", "--keep-last", "1", "--prune")
    assert len(json.loads(restic.run("snapshots", "--json").stdout)) == 1
    restic.run("check")


def test_a_full_quota_stops_the_backup_with_the_reason(app, world, served, tmp_path):
    guid, secret = register(app, world, served)
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        settings.save_group(admin, world["root"], "quotas", form("quotas", user_quota_gb=1), "save")
        # The user's other device holds all of the quota but 64 KiB.
        db.session.add(Repository(device_id=world["user_mac"], destination_id=storage.local_destination().id,
                                  stored_bytes=storage.GB - 65536, stored_files=1))
        db.session.commit()
    restic = Restic(served, guid, secret, tmp_path)
    restic.run("init")
    home = folder(tmp_path / "home", {"big.bin": os.urandom(1_000_000)})
    # restic 0.14 names the status, not the body (the body says which quota: see tests/blueprints/test_storage.py).
    restic.refused("backup", str(home), status="507 INSUFFICIENT STORAGE")
    with app.app_context():
        device = db.session.scalar(select(Device).where(Device.guid == guid))
        assert db.session.scalar(select(BackupState.error).where(BackupState.device_id == device.id)) \
            .startswith("quota full")
    restic.run("unlock")
    restic.run("check")  # what was stored before the refusal is a sound repository


def test_killing_the_console_during_a_backup_loses_nothing(app, world, served, tmp_path):
    guid, secret = register(app, world, served)
    restic = Restic(served, guid, secret, tmp_path)
    restic.run("init")
    home = folder(tmp_path / "home", {f"part-{n:02d}.bin": os.urandom(8 * 1024 * 1024) for n in range(20)})
    backup = restic.start("backup", str(home))
    data = tmp_path / "storage" / guid / "data"
    wait_for(lambda: any(name for _d, _s, names in os.walk(data) for name in names if not name.startswith(".")),
             timeout=120, every=0.02, what="the first pack on the console's disk")
    served.kill()
    backup.kill()  # the agent's restic would give up in time; this one need not retry for minutes
    backup.wait(timeout=30)
    served.start()
    restic.run("backup", str(home), timeout=600)
    # The killed restic's lock stays behind (restic only removes it by `unlock`, which knows its PID is gone);
    # a backup shares the repository with it, `check` wants the repository alone.
    restic.run("unlock")
    restic.run("check", "--read-data")
    found, (on_disk, files) = repository(app, guid)
    # Files cut off mid-upload are not counted; a pack stored but not yet counted is found by recount.
    with app.app_context():
        found = db.session.merge(found)
        assert storage.recount(found) == (on_disk, files)
