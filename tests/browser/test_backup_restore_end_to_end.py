"""Backup and restore end to end: the real agent backs up to the console's own storage with restic, the
user restores a deleted file from My Profile as a download, an administrator restores it to the device,
all in Chromium, and a custom-key device refuses web restore with its reason."""
import os
import shutil

import pytest
from sqlalchemy import select

from tests.blueprints.test_agent_api import API, auth, register
from tests.blueprints.test_settings_views import post_form
from tests.conftest import PASSWORD
from tests.endpoints.server import ConsoleProcess
from tests.endpoints.test_agent_end_to_end import AgentProcess, the_device
from tests.polling import wait_for
from webconsole.extensions import db
from webconsole.models import BackupState, Destination, Org, Restore

pytestmark = pytest.mark.skipif(shutil.which("restic") is None, reason="restic is installed by make test")


@pytest.fixture
def console(database_url, tmp_path):
    env = {"WEBCONSOLE_STORAGE_DIR": str(tmp_path / "storage"), "WEBCONSOLE_MASTER_KEY_FILE": str(tmp_path / "key")}
    server = ConsoleProcess(database_url, heartbeat_seconds=1, log_path=tmp_path / "console.log", env=env).start()
    yield server
    server.stop()


def sign_in(page, url, username):
    page.goto(url + "/auth/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda address: "/auth/signin" not in address)


def find_and_select(page, name):
    """In the first version (the file is deleted since, and later versions know it), find `name`, select it."""
    oldest = page.locator("#restore-version option").last.get_attribute("value")
    page.select_option("#restore-version", oldest)
    page.click("button:has-text('Show')")
    page.wait_for_load_state()
    page.fill("#restore-search", name)
    page.click("form[role=search] button:has-text('Find')")
    page.check(f"input[type=checkbox][aria-label='Select {name}']")


@pytest.mark.committed  # the console reads the test's data from another process
def test_the_agent_backs_up_and_both_restores_bring_the_file_back(app, client, world, console, browser, tmp_path):
    home = tmp_path / "home"
    (home / "reports").mkdir(parents=True)
    kept = os.urandom(200_000)
    (home / "reports" / "q4-figures.xlsx").write_bytes(kept)
    (home / "notes.txt").write_bytes(b"notes\n")
    with app.app_context():
        local = Destination(name="This server", kind="local")
        db.session.add(local)
        db.session.commit()
        local_id = local.id
        key = db.session.get(Org, world["platform"]).registration_key
    client.post("/auth/signin", data={"username": "admin@acme.test", "password": PASSWORD})
    client.post(f"/orgs/{world['platform']}/settings/backup/own")
    backup_set = {"name": "Default", "included_paths": [str(home)], "excluded_paths": [], "destinations": [local_id]}
    data = {**post_form("backup", backup_sets=[backup_set]), "mode": ["push"]}
    assert client.post(f"/orgs/{world['platform']}/settings/backup", data=data).status_code == 302

    agent = AgentProcess(tmp_path, console.url, key, "--scan-seconds", "1").start()
    try:
        device = wait_for(lambda: the_device(app), what="the registration")

        def completed():
            with app.app_context():
                return db.session.scalar(select(BackupState).where(BackupState.device_id == device.id,
                                                                   BackupState.status == "completed"))

        state = wait_for(completed, timeout=90, what="a completed backup")
        assert state.files_new == 2 and state.percent_complete == 100 and state.snapshot_id
        (home / "reports" / "q4-figures.xlsx").unlink()  # the user deletes a file

        # The user restores it from My Profile as a download.
        user = browser.new_context(accept_downloads=True)
        page = user.new_page()
        sign_in(page, console.url, "user@acme.test")
        page.goto(console.url + "/account/profile")
        page.click("a:has-text('Restore files')")
        find_and_select(page, "q4-figures.xlsx")
        with page.expect_download() as downloading:
            page.click("button:has-text('Download selected')")
        assert open(downloading.value.path(), "rb").read() == kept
        user.close()

        # An administrator restores it to the device, in its original place.
        admin = browser.new_context()
        page = admin.new_page()
        sign_in(page, console.url, "admin@acme.test")
        page.goto(f"{console.url}/devices/{device.id}")
        page.click("a:has-text('Restore files')")
        find_and_select(page, "q4-figures.xlsx")
        page.check("input[name=conflict][value=overwrite]")
        page.click("button:has-text('Restore to the device')")
        page.wait_for_url(lambda address: f"/devices/{device.id}" in address and "/restore/" not in address)
        restored = home / "reports" / "q4-figures.xlsx"
        wait_for(lambda: restored.exists() and restored.read_bytes() == kept, timeout=60, what="the restored file")

        def reported():
            with app.app_context():
                return db.session.scalar(select(Restore.status).where(Restore.kind == "device"))

        assert wait_for(lambda: reported() != "sent" and reported(), what="the device's report") == "done"
    finally:
        log = agent.stop()
    assert "Traceback" not in log, log

    # A device with a custom key: the console cannot read its archives, and says so.
    with app.app_context():
        from webconsole.domain import settings
        from webconsole.models import User
        admin_user = db.session.get(User, world["admin"])
        settings.set_inheritance(admin_user, world["sales"], "security", inherit=False)
        settings.save_group(admin_user, world["sales"], "security", post_form("security", archive_key_type="custom"),
                            "push")
    other = register(client, app, world, username="seller@acme.test", hostname="seller-mac",
                     registration_key=_key(app, world["sales"])).get_json()
    client.get(f"{API}/backup-plan", headers=auth(other))
    with app.app_context():
        from webconsole.models import Device
        seller_device = db.session.scalar(select(Device.id).where(Device.guid == other["guid"]))
    page = admin.new_page()
    page.goto(f"{console.url}/restore/devices/{seller_device}/")
    assert "custom key that stays on the device" in page.inner_text("main")
    admin.close()


def _key(app, org_id):
    with app.app_context():
        return db.session.get(Org, org_id).registration_key
