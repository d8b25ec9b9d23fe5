"""Restore from the web with the real restic: versions, folders, search, downloads, keys and who may."""
import io
import os
import shutil
import subprocess
import zipfile

import pytest
from sqlalchemy import select

from tests.blueprints.test_agent_api import API, _sets_to, auth, register
from tests.domain.test_settings import form
from webconsole.domain import keystore, settings
from webconsole.extensions import db
from webconsole.models import AuditEvent, Destination, Device, Restore, User

pytestmark = pytest.mark.skipif(shutil.which("restic") is None, reason="restic is installed by make test")
HOSTILE = "<img src=x onerror=alert(1)> ² \"q\".txt"


@pytest.fixture
def files(tmp_path):
    root = tmp_path / "home" / "una"
    (root / "Documents" / "deep").mkdir(parents=True)
    (root / "Documents" / "plan.txt").write_bytes(b"the plan\n")
    (root / "Documents" / "deep" / "data.bin").write_bytes(os.urandom(70_000))
    (root / "Documents" / HOSTILE).write_bytes(b"hostile name\n")
    return root


def backed_up(app, client, world, tmp_path, files, key_type="standard", password=None):
    """Register the user's device, make its repository on this server's storage, back `files` up; (the device
    id, its registration answer)."""
    app.config["STORAGE_DIR"] = str(tmp_path / "storage")
    with app.app_context():
        local = db.session.scalar(select(Destination).where(Destination.kind == "local"))
        if local is None:
            local = Destination(name="This server", kind="local")
            db.session.add(local)
            db.session.commit()
        local_id = local.id
    _sets_to(app, world, local_id)
    if key_type != "standard":
        with app.app_context():
            settings.save_group(db.session.get(User, world["admin"]), world["root"], "security",
                                form("security", archive_key_type=key_type), "push")
    answer = register(client, app, world).get_json()
    assert client.get(f"{API}/backup-plan", headers=auth(answer)).status_code == 200  # makes the key
    with app.app_context():
        device = db.session.scalar(select(Device).where(Device.guid == answer["guid"]))
        password = password or keystore.repository_password(device) or "no-key"
        repository, device_id = str(tmp_path / "storage" / device.guid), device.id
    environment = {"RESTIC_PASSWORD": password, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for arguments in (["init"], ["backup", "--host", "una-laptop", str(files)]):
        subprocess.run(["restic", "-q", "-r", repository, *arguments], env=environment, check=True,
                       capture_output=True)
    return device_id, answer


def test_the_user_browses_searches_and_downloads_from_my_profile(app, client, world, tmp_path, files, sign_in):
    device_id, _answer = backed_up(app, client, world, tmp_path, files)
    sign_in("user@acme.test")
    profile = client.get("/account/profile").get_data(as_text=True)
    assert f"/restore/devices/{device_id}/" in profile
    page = client.get(f"/restore/devices/{device_id}/")
    assert page.status_code == 200 and 'value="/tmp"' in page.get_data(as_text=True)
    folder = str(files / "Documents")
    html = client.get(f"/restore/devices/{device_id}/", query_string={"path": folder}).get_data(as_text=True)
    assert "plan.txt" in html and "deep/" in html and "&lt;img src=x onerror=alert(1)&gt; ² &#34;q&#34;.txt" in html
    assert "<img src=x" not in html
    found = client.get(f"/restore/devices/{device_id}/", query_string={"q": "DATA"}).get_data(as_text=True)
    assert "data.bin" in found and "plan.txt" not in found

    one = client.post(f"/restore/devices/{device_id}/download", data={"path": [f"{folder}/{HOSTILE}"]})
    assert one.status_code == 200 and one.data == b"hostile name\n"
    disposition = one.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="<img src=x onerror=alert(1)> _ _q_.txt"')
    several = client.post(f"/restore/devices/{device_id}/download",
                          data={"path": [f"{folder}/plan.txt", f"{folder}/deep"]})
    archive = zipfile.ZipFile(io.BytesIO(several.data))
    names = {n.rstrip("/").rsplit(str(files).lstrip("/") + "/", 1)[-1] for n in archive.namelist()}
    assert {"Documents/plan.txt", "Documents/deep/data.bin"} <= names
    data = next(n for n in archive.namelist() if n.endswith("data.bin"))
    assert archive.read(data) == (files / "Documents" / "deep" / "data.bin").read_bytes()
    whole = zipfile.ZipFile(io.BytesIO(client.post(f"/restore/devices/{device_id}/download",
                                                   data={"path": [folder]}).data))
    assert any(n.endswith("plan.txt") for n in whole.namelist())

    with app.app_context():
        assert [r.kind for r in db.session.scalars(select(Restore))] == ["download"] * 3
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "device.restore"))
        assert entry.actor_username == "user@acme.test" and entry.details["files"] == 1
    listed = client.get("/account/profile").get_data(as_text=True)
    assert "My restores" in listed and "plan.txt" in listed


def test_bad_selections_are_refused_with_a_reason(app, client, world, tmp_path, files, sign_in):
    device_id, _answer = backed_up(app, client, world, tmp_path, files)
    sign_in("user@acme.test")
    # NUL is refused for every form by the app (400) before the view; these reach the restore's own checks.
    assert client.post(f"/restore/devices/{device_id}/download", data={"path": ["/a\x00b"]}).status_code == 400
    for data in ({"path": ["relative/path"]}, {"path": []}, {"path": ["/nowhere"]}, {"path": ["/x"] * 101},
                 {"path": ["/tmp"], "version": "not-a-version"}, {"path": ["/tmp"], "version": "ab" * 32}):
        response = client.post(f"/restore/devices/{device_id}/download", data=data)
        assert response.status_code == 422, data
    assert client.get(f"/restore/devices/{device_id}/", query_string={"path": "../../etc"}).status_code == 200
    with app.app_context():
        settings.save_group(db.session.get(User, world["admin"]), world["root"], "quotas",
                            form("quotas", web_restore_limit_mb=0), "push")
    off = client.get(f"/restore/devices/{device_id}/")
    assert off.status_code == 403 and "turned off" in off.get_data(as_text=True)


def test_who_may_restore(app, client, world, tmp_path, files, sign_in, make_user):
    device_id, _answer = backed_up(app, client, world, tmp_path, files)
    sign_in("seller@acme.test")
    assert client.get(f"/restore/devices/{device_id}/").status_code == 404
    sign_in("helpdesk@acme.test")
    assert client.get(f"/restore/devices/{device_id}/").status_code == 404
    sign_in("orgadmin@acme.test")  # Org Admin of Engineering, above Platform: may restore
    assert client.get(f"/restore/devices/{device_id}/").status_code == 200
    assert "Restore files" in client.get(f"/devices/{device_id}").get_data(as_text=True)
    with app.app_context():
        db.session.get(Device, device_id).status = "blocked"
        db.session.commit()
    sign_in("user@acme.test")
    assert client.get(f"/restore/devices/{device_id}/").status_code == 403


def test_a_custom_key_refuses_web_restore_with_the_reason(app, client, world, tmp_path, files, sign_in):
    device_id, _answer = backed_up(app, client, world, tmp_path, files, key_type="custom")
    sign_in("user@acme.test")
    page = client.get(f"/restore/devices/{device_id}/")
    assert page.status_code == 403 and "custom key that stays on the device" in page.get_data(as_text=True)
    assert client.post(f"/restore/devices/{device_id}/download", data={"path": ["/tmp"]}).status_code == 403


def test_an_archive_password_is_asked_for_and_never_stored(app, client, world, tmp_path, files, sign_in):
    device_id, _answer = backed_up(app, client, world, tmp_path, files, key_type="password",
                                   password="only-una-knows")
    sign_in("user@acme.test")
    asked = client.get(f"/restore/devices/{device_id}/").get_data(as_text=True)
    assert 'type="password" name="password"' in asked
    wrong = client.post(f"/restore/devices/{device_id}/", data={"password": "guess"})
    assert wrong.status_code == 422 and "does not open" in wrong.get_data(as_text=True)
    opened = client.post(f"/restore/devices/{device_id}/", data={"password": "only-una-knows",
                                                                 "path": str(files / "Documents")})
    assert opened.status_code == 200 and "plan.txt" in opened.get_data(as_text=True)
    body = client.post(f"/restore/devices/{device_id}/download", data={
        "password": "only-una-knows", "path": [str(files / "Documents" / "plan.txt")]}).data
    assert body == b"the plan\n"
    with app.app_context():
        from webconsole.models import DeviceKey
        assert db.session.get(DeviceKey, device_id).sealed_password is None


def test_an_admin_restores_to_the_device_which_hears_it_and_reports(app, client, world, tmp_path, files, sign_in):
    from webconsole.domain import agents
    from webconsole.models import DeviceCommand
    device_id, answer = backed_up(app, client, world, tmp_path, files)
    sign_in("admin@acme.test")
    folder = str(files / "Documents")
    refused = client.post(f"/restore/devices/{device_id}/to-device",
                          data={"path": [folder], "target": "relative", "conflict": "rename"})
    assert refused.status_code == 422 and "full path" in refused.get_data(as_text=True)
    sent = client.post(f"/restore/devices/{device_id}/to-device",
                       data={"path": [folder], "target": "", "conflict": "overwrite"})
    assert sent.status_code == 302
    with app.app_context():
        restore = db.session.scalar(select(Restore))
        assert (restore.kind, restore.status, restore.conflict, restore.paths) == (
            "device", "sent", "overwrite", [folder])
        restore_id = restore.id
    # The device hears a `restore` command naming the restore, reads it, and reports how it went.
    [command] = client.post(f"{API}/heartbeat", json={}, headers=auth(answer)).get_json()["commands"]
    assert (command["command"], command["arguments"]) == ("restore", str(restore_id))
    spec = client.get(f"{API}/restores/{restore_id}", headers=auth(answer)).get_json()
    assert (spec["paths"], spec["target"], spec["conflict"]) == ([folder], "", "overwrite")
    other = register(client, app, world, hostname="other-laptop").get_json()
    assert client.get(f"{API}/restores/{restore_id}", headers=auth(other)).status_code == 404
    result = {"output": "restic: cannot write /home/una/Documents: permission denied", "exit_status": 1}
    assert client.post(f"{API}/commands/{command['id']}/result", json=result, headers=auth(answer)).status_code == 200
    with app.app_context():
        failed = db.session.get(Restore, restore_id)
        assert failed.status == "failed" and "permission denied" in failed.error
        assert db.session.scalar(select(DeviceCommand.status).where(DeviceCommand.id == command["id"])) == "done"
        assert agents.is_online(db.session.get(Device, device_id))


@pytest.mark.committed  # the job runs with the queue's own session, as test_jobs does
def test_a_large_download_is_prepared_as_a_job(app, client, world, tmp_path, files, sign_in, monkeypatch):
    app.config["RESTORE_JOB_MB"] = 0.05  # data.bin holds 70 000 bytes
    device_id, _answer = backed_up(app, client, world, tmp_path, files)
    sign_in("user@acme.test")
    deep = str(files / "Documents" / "deep")
    response = client.post(f"/restore/devices/{device_id}/download", data={"path": [deep]})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "prepared as a job" in job_page and "Finished" in job_page  # the test queue runs it at once
    job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    download = client.get(f"/jobs/{job_id}/download")
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    [data] = [n for n in archive.namelist() if n.endswith("data.bin")]
    assert archive.read(data) == (files / "Documents" / "deep" / "data.bin").read_bytes()
    assert 'restore.zip' in download.headers["Content-Disposition"]
    small = client.post(f"/restore/devices/{device_id}/download",
                        data={"path": [str(files / "Documents" / "plan.txt")]})
    assert small.status_code == 200 and small.data == b"the plan\n"  # small ones still stream at once


def test_a_device_with_nothing_stored_says_so_on_its_restore_page(app, client, world, sign_in, make_device):
    device_id = make_device(world["user"], "DEMO-LAPTOP")
    sign_in("user@acme.test")
    page = client.get(f"/restore/devices/{device_id}/")
    assert page.status_code == 404 and "No backup of this device is stored on this server yet." in page.get_data(
        as_text=True)
