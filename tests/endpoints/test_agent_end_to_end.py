"""The real `webconsole-agent` process against the console served by gunicorn: the issue's proof."""
import hashlib
import os
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from tests.blueprints.test_settings_views import post_form
from tests.conftest import PASSWORD
from tests.polling import wait_for
from webconsole.domain import agents, events
from webconsole.extensions import db
from webconsole.models import Destination, Device, FileEvent, Org

# A file name an attacker controlling an endpoint might choose: markup, a formula, a right-to-left mark.
HOSTILE = "<img src=x onerror=alert(1)>=1+1\u202egnp.txt"
AGENT = shutil.which("webconsole-agent", path=os.path.dirname(sys.executable))


class AgentProcess:
    """webconsole-agent configured by a TOML file, as an installer would leave it."""

    def __init__(self, tmp_path, server_url, registration_key, *flags):
        self.state_dir = tmp_path / "agent-state"
        self.config = tmp_path / "agent.toml"
        self.config.write_text(f'server = "{server_url}"\nregistration_key = "{registration_key}"\n'
                               f'username = "user@acme.test"\nstate_dir = "{self.state_dir}"\n')
        self.log = tmp_path / "agent.log"
        self.flags = flags
        self.process = None

    def start(self):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([AGENT, "--config", str(self.config), *self.flags], stdout=log,
                                            stderr=log, env={**os.environ, "WEBCONSOLE_AGENT_PASSWORD": PASSWORD})
        return self

    def run(self, *arguments):
        """A local subcommand (status, settings, set ...) on the running agent's state."""
        return subprocess.run([AGENT, "--state-dir", str(self.state_dir), *arguments], capture_output=True,
                              text=True, timeout=30)

    def status(self):
        return self.run("status").stdout

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        return self.log.read_text(errors="replace")


@pytest.fixture
def key(app, world):
    with app.app_context():
        return db.session.get(Org, world["platform"]).registration_key


def the_device(app):
    with app.app_context():
        return db.session.scalar(select(Device).where(Device.user.has(username="user@acme.test"),
                                                      Device.secret_hash.is_not(None)))


def events_of(app, device_id):
    with app.app_context():
        return db.session.scalars(select(FileEvent).where(FileEvent.device_id == device_id)).all()


def back_up(client, org_id, home, destination_id, mode="push", **changes):
    backup_set = {"name": "Default", "included_paths": [str(home)], "excluded_paths": [],
                  "destinations": [destination_id]}
    data = {**post_form("backup", backup_sets=[backup_set], **changes), "mode": [mode]}
    response = client.post(f"/orgs/{org_id}/settings/backup", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_the_agent_feeds_the_console(app, client, sign_in, world, console, key, tmp_path):
    home = tmp_path / "home"
    (home / "docs").mkdir(parents=True)
    (home / "Dropbox").mkdir()
    (home / "docs" / "keep.txt").write_text("first version")
    (home / "docs" / "gone.txt").write_text("soon deleted")
    with app.app_context():
        destination = Destination(name="Cloud West", kind="cloud")
        db.session.add(destination)
        db.session.commit()
        destination_id = destination.id
    sign_in("admin@acme.test")
    client.post(f"/orgs/{world['platform']}/settings/backup/own")
    back_up(client, world["platform"], home, destination_id)

    agent = AgentProcess(tmp_path, console.url, key, "--scan-seconds", "1").start()
    try:
        # Registered, online, and the first scan (a silent baseline) is done.
        device = wait_for(lambda: the_device(app), what="the registration")
        wait_for(lambda: "last scan: never" not in agent.status(), what="the baseline scan")
        with app.app_context():
            assert agents.is_online(db.session.get(Device, device.id))
        assert events_of(app, device.id) == []

        # Files change; the agent reports them with hashes, and exposure for the cloud-sync copy.
        (home / "docs" / "new.txt").write_text("brand new")
        (home / "docs" / "keep.txt").write_text("second version, longer")
        (home / "docs" / "gone.txt").unlink()
        shutil.copy(home / "docs" / "new.txt", home / "Dropbox" / "new.txt")
        (home / "docs" / HOSTILE).write_text("hostile")
        seen = wait_for(lambda: len(events_of(app, device.id)) >= 5 and events_of(app, device.id),
                        what="five file events")
        found = {(e.event_type, e.file_name, e.file_path.rstrip(os.sep).rsplit(os.sep, 1)[-1]): e for e in seen}
        assert set(found) == {("CREATED", "new.txt", "docs"), ("MODIFIED", "keep.txt", "docs"),
                              ("DELETED", "gone.txt", "docs"), ("CREATED", "new.txt", "Dropbox"),
                              ("CREATED", HOSTILE, "docs")}
        created = found[("CREATED", "new.txt", "docs")]
        assert created.sha256 == hashlib.sha256(b"brand new").hexdigest()
        assert created.md5 == hashlib.md5(b"brand new").hexdigest() and created.file_size == 9
        assert created.exposure == 0
        synced = found[("CREATED", "new.txt", "Dropbox")]
        assert events.exposure_names(synced.exposure) == ["CloudStorage"] and synced.sync_destination == "Dropbox"
        assert found[("DELETED", "gone.txt", "docs")].sha256 == ""

        # The console shows the device online, its backup report, its events and their exposure.
        page = client.get(f"/devices/{device.id}").get_data(as_text=True)
        assert "Online" in page and "Cloud West" in page
        listing = client.get(f"/devices/file-events/?device={device.id}").get_data(as_text=True)
        assert "new.txt" in listing and "keep.txt" in listing and "Cloud sync" in listing
        assert "<img" not in listing and "&lt;img src=x onerror=alert(1)&gt;" in listing

        # A user's change to an unlocked setting survives a push; a locked setting refuses changes.
        assert agent.run("set", "general.away_minutes", "45").returncode == 0
        client.post(f"/orgs/{world['platform']}/settings/general/own")
        data = {**post_form("general", away_minutes=20), "mode": ["push"]}
        assert client.post(f"/orgs/{world['platform']}/settings/general", data=data).status_code == 302
        back_up(client, world["platform"], home, destination_id, mode="lock", frequency_minutes=60)
        wait_for(lambda: "backup.frequency_minutes = 60  [locked]" in agent.run("settings").stdout,
                 what="the locked setting to reach the agent")
        shown = agent.run("settings").stdout
        assert "general.away_minutes = 45  [your change; server: 20]" in shown
        refused = agent.run("set", "backup.frequency_minutes", "15")
        assert refused.returncode == 2 and "locked" in (refused.stderr + refused.stdout)

        # A command from the device command line comes back with the agent's output.
        sent = client.post(f"/devices/{device.id}/commands", data={"command": "version"})
        assert sent.status_code == 200
        command_url = sent.get_data(as_text=True).split('hx-get="', 1)[1].split('"', 1)[0]
        output = wait_for(lambda: "webconsole-agent 1.0.0" in (html := client.get(command_url).get_data(
            as_text=True)) and html, what="the command's output")
        assert "timed out" not in output.lower()
    finally:
        log = agent.stop()
    assert "Traceback" not in log, log


def test_killing_the_server_mid_upload_loses_and_doubles_nothing(app, client, sign_in, world, console, key,
                                                                  tmp_path):
    home = tmp_path / "home"
    (home / "work").mkdir(parents=True)
    sign_in("admin@acme.test")
    client.post(f"/orgs/{world['platform']}/settings/backup/own")
    with app.app_context():
        destination = Destination(name="Cloud East", kind="cloud")
        db.session.add(destination)
        db.session.commit()
        destination_id = destination.id
    back_up(client, world["platform"], home, destination_id)
    agent = AgentProcess(tmp_path, console.url, key, "--scan-seconds", "1", "--batch-size", "20").start()
    files = 3000
    try:
        device = wait_for(lambda: the_device(app), what="the registration")
        wait_for(lambda: "last scan: never" not in agent.status(), what="the baseline scan")
        for n in range(files):
            (home / "work" / f"file-{n:05d}.txt").write_text(f"contents {n}")

        def stored():
            with app.app_context():
                return db.session.scalar(select(func.count()).select_from(FileEvent).where(
                    FileEvent.device_id == device.id))

        # Kill it while batches (of 20) follow each other back to back, so one is likely in flight.
        wait_for(lambda: stored() >= 200, every=0.005, what="the first acknowledged batches")
        console.kill()
        at_kill = stored()
        assert 0 < at_kill < files
        wait_for(lambda: "queued events: 0" not in agent.status(), what="events queued while the server is down")
        # The agent tries again against the dead server (once at least) before it comes back.
        wait_for(lambda: agent.log.read_text(errors="replace").count("cannot send events") >= 2,
                 what="a retry against the dead server")
        console.start()
        wait_for(lambda: stored() >= files, timeout=120, what="every event after the restart")
        wait_for(lambda: "queued events: 0" in agent.status(), what="an empty outbox")
        # The outbox empties only on acknowledged batches, and the (origin, event id) index refuses doubles,
        # so what is stored now is final.
        with app.app_context():
            rows = db.session.execute(select(FileEvent.event_id, FileEvent.file_name).where(
                FileEvent.device_id == device.id)).all()
        assert len(rows) == files
        assert len({event_id for event_id, _name in rows}) == files
        assert {name for _id, name in rows} == {f"file-{n:05d}.txt" for n in range(files)}
        assert "events refused by the server" not in agent.status()
    finally:
        log = agent.stop()
    assert "Traceback" not in log, log
