"""Insider risk end to end: the real agent, the console under gunicorn with its job worker, a real SMTP
server on loopback and Chromium, as the issue asks.

A departing employee copies 30 files to a folder the agent treats as removable media; a rule watching
Departing Employees raises one alert; its e-mail arrives; the analyst opens a case from the alert and
resolves the alert with a note in the browser; the same upload sent again raises nothing new.
"""
import json
import subprocess
import sys
import urllib.request
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from tests.blueprints.test_settings_views import post_form
from tests.conftest import PASSWORD
from tests.domain.test_notifications import Mailbox
from tests.endpoints.server import ROOT, ConsoleProcess, free_port
from tests.endpoints.test_agent_end_to_end import AgentProcess, the_device
from tests.polling import wait_for
from webconsole.domain import alert_rules, watchlists
from webconsole.extensions import db
from webconsole.models import Alert, AlertEvent, Case, Destination, FileEvent, Org, User
from webconsole.models.base import utcnow

FILES = 30


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()


@pytest.fixture
def servers(database_url, tmp_path, smtp):
    """The console (gunicorn) and its job worker, sharing a job queue and sending mail to `smtp`."""
    _mailbox, port = smtp
    env = {"WEBCONSOLE_SMTP_HOST": "127.0.0.1", "WEBCONSOLE_SMTP_PORT": str(port),
           "WEBCONSOLE_SMTP_SENDER": "console@acme.test", "WEBCONSOLE_JOBS_QUEUE_PATH": str(tmp_path / "queue.db"),
           "WEBCONSOLE_JOBS_FOLDER": str(tmp_path / "jobs")}
    console = ConsoleProcess(database_url, heartbeat_seconds=1, log_path=tmp_path / "console.log", env=env).start()
    env = {**console.env, "WEBCONSOLE_EXTERNAL_URL": console.url}
    with open(tmp_path / "worker.log", "ab") as log:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1",
                                   "--no-periodic"], cwd=ROOT, env=env, stdout=log, stderr=log)
    yield console
    worker.terminate()
    worker.wait(timeout=30)
    console.stop()


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.committed  # the console and its worker read the test's data from other processes
def test_a_departing_employees_copies_to_removable_media_raise_one_alert_mail_and_a_case(
        app, client, world, make_user, servers, smtp, page, tmp_path):
    mailbox, _port = smtp
    home, stick = tmp_path / "home", tmp_path / "USB STICK"
    home.mkdir()
    stick.mkdir()
    make_user("analyst@acme.test", "security_admin", world["root"])
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        watchlists.add_members(admin, "departing", [world["user"]], departure=utcnow().date() + timedelta(days=10))
        rule = alert_rules.create_rule(admin, {
            "name": "Departing: copies to USB", "severity": "high", "vector": "removable_media",
            "threshold_kind": "files", "threshold": "20", "window_amount": "1", "window_unit": "hours",
            "watch": "departing", "recipients": "security@acme.test"})
        rule_id = rule.id
        destination = Destination(name="Cloud West", kind="cloud")
        db.session.add(destination)
        db.session.commit()
        key = db.session.get(Org, world["platform"]).registration_key
        destination_id = destination.id
    # The employee's org backs up their home folder (the stick is watched whatever the backup sets hold).
    client.post("/auth/signin", data={"username": "admin@acme.test", "password": PASSWORD})
    client.post(f"/orgs/{world['platform']}/settings/backup/own")
    backup_set = {"name": "Default", "included_paths": [str(home)], "excluded_paths": [],
                  "destinations": [destination_id]}
    data = {**post_form("backup", backup_sets=[backup_set]), "mode": ["push"]}
    assert client.post(f"/orgs/{world['platform']}/settings/backup", data=data).status_code == 302

    agent = AgentProcess(tmp_path, servers.url, key, "--scan-seconds", "1")
    agent.config.write_text(agent.config.read_text() + f'removable_media = [{json.dumps(str(stick))}]\n')
    agent.start()
    try:
        device = wait_for(lambda: the_device(app), what="the registration")
        wait_for(lambda: "last scan: never" not in agent.status(), what="the baseline scan")
        for n in range(FILES):
            (stick / f"plan-{n:02d}.docx").write_bytes(b"confidential " * (n + 1))

        def on_stick():
            return _count(app, FileEvent, FileEvent.device_id == device.id, FileEvent.file_name.like("plan-%"))

        wait_for(lambda: on_stick() == FILES, timeout=60, what="the 30 copies to reach the console")
        wait_for(lambda: _count(app, Alert, Alert.rule_id == rule_id) >= 1, what="the alert")
        wait_for(lambda: "queued events: 0" in agent.status(), what="an empty outbox")
    finally:
        log = agent.stop()
    assert "Traceback" not in log, log
    with app.app_context():
        alert = db.session.scalar(select(Alert).where(Alert.rule_id == rule_id))
        assert (alert.user_id, alert.file_count, alert.state) == (world["user"], FILES, "open")
        assert _count(app, AlertEvent, AlertEvent.alert_id == alert.id) == FILES
        alert_id = alert.id

    # The e-mail reaches the rule's recipient, naming the rule, the user and why.
    message = wait_for(lambda: mailbox.messages and mailbox.messages[0], timeout=60, what="the alert e-mail")
    assert message["To"] == "security@acme.test"
    body = message.get_body(("plain",)).get_content()
    assert "Departing: copies to USB" in message["Subject"] + body and "user@acme.test" in body
    assert "30 files" in body and f"/alerts/{alert_id}" in body

    # The same upload sent again (a retry) stores nothing and raises nothing.
    with app.app_context():
        rows = db.session.scalars(select(FileEvent).where(FileEvent.device_id == device.id,
                                                          FileEvent.file_name.like("plan-%"))).all()
        batch = {"events": [{"eventId": e.event_id, "eventType": e.event_type, "fileName": e.file_name,
                             "filePath": e.file_path, "eventTimestamp": e.event_at.isoformat() + "Z",
                             "fileSize": e.file_size, "exposure": ["RemovableMedia"]} for e in rows]}
    secret = agent_secret(agent)
    request = urllib.request.Request(servers.url + "/api/agent/v1/file-events", data=json.dumps(batch).encode(),
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Device {device.guid}:{secret}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert json.load(answer) == {"received": FILES, "stored": 0, "duplicates": FILES}
    assert _count(app, Alert, Alert.rule_id == rule_id) == 1

    # The analyst opens a case from the alert and resolves the alert with a note, in the browser.
    page.goto(servers.url + "/auth/signin")
    page.fill("input[name=username]", "analyst@acme.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/auth/signin" not in url)
    page.goto(f"{servers.url}/alerts/{alert_id}")
    assert "30 files" in page.inner_text(".alert-why")
    page.click("text=Open a case")
    page.fill("input[name=name]", "USB copies before leaving")
    page.click("button:has-text('Open case')")
    page.wait_for_url(lambda url: "/cases/" in url and "/new" not in url)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.alert_id == alert_id))
        assert case.subject_user_id == world["user"] and case.name == "USB copies before leaving"
    page.goto(f"{servers.url}/alerts/{alert_id}")
    page.select_option("select[name=state]", "resolved")
    page.fill("textarea[name=note]", "Confirmed with HR: the copies were returned.")
    page.click("button:has-text('Change state')")
    page.wait_for_load_state()
    assert "Confirmed with HR" in page.inner_text("body")
    with app.app_context():
        assert db.session.get(Alert, alert_id).state == "resolved"


def agent_secret(agent):
    """The device secret the agent keeps in its state (the console keeps only its hash)."""
    from webconsole_agent.state import State

    with State(agent.state_dir) as state:
        return state.registration().secret

