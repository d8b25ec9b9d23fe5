from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.domain.test_settings import form
from webconsole.domain import settings
from webconsole.extensions import db
from webconsole.models import AuditEvent, Destination, Device, DeviceCommand, Org, User

API = "/api/agent/v1"


def key_of(app, org_id):
    with app.app_context():
        return db.session.get(Org, org_id).registration_key


def register(client, app, world, **changes):
    body = {"registration_key": key_of(app, world["platform"]), "username": "user@acme.test",
            "password": PASSWORD, "hostname": "una-laptop", "os": "linux", "os_version": "Debian 12",
            "agent_version": "1.0.0", **changes}
    return client.post(f"{API}/register", json=body)


def auth(answer):
    return {"Authorization": f"Device {answer['guid']}:{answer['secret']}"}


def test_register_gives_a_numeric_guid_a_secret_and_settings(app, client, world):
    response = register(client, app, world)
    assert response.status_code == 201
    answer = response.get_json()
    assert answer["guid"].isdigit() and len(answer["secret"]) >= 40
    assert answer["settings"]["backup"]["frequency_minutes"] == {"value": 15, "locked": False}
    with app.app_context():
        device = db.session.scalar(select(Device).where(Device.guid == answer["guid"]))
        assert device.hostname == "una-laptop" and device.org_id == world["platform"]
        assert db.session.scalar(select(AuditEvent.event_type).where(AuditEvent.object_id == answer["guid"])) \
            == "device.register"


def test_registration_refusals_are_precise(app, client, world):
    cases = [
        ({"registration_key": "AAAA-BBBB-CCCC-DDDD"}, 403, "unknown_registration_key"),
        ({"password": "wrong"}, 403, "bad_credentials"),
        ({"registration_key": key_of(app, world["sales"])}, 403, "wrong_organization"),
        ({"hostname": ""}, 400, "missing_field"),
        ({"os": "beos"}, 400, "invalid_field"),
    ]
    for changes, status, code in cases:
        response = register(client, app, world, **changes)
        assert response.status_code == status and response.get_json()["error"]["code"] == code, changes
    assert client.post(f"{API}/register", data="not json").status_code == 400


def test_heartbeat_needs_the_devices_secret(app, client, world):
    answer = register(client, app, world).get_json()
    assert client.post(f"{API}/heartbeat", json={}).status_code == 401
    wrong = {"Authorization": f"Device {answer['guid']}:not-the-secret"}
    assert client.post(f"{API}/heartbeat", json={}, headers=wrong).status_code == 401
    with app.app_context():
        db.session.scalar(select(Device).where(Device.guid == answer["guid"])).status = "blocked"
        db.session.commit()
    response = client.post(f"{API}/heartbeat", json={}, headers=auth(answer))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "device_blocked"


def test_heartbeat_stores_backup_state_and_answers_locks_and_commands(app, client, world):
    answer = register(client, app, world).get_json()
    with app.app_context():
        cloud = Destination(name="Cloud", kind="cloud")
        db.session.add(cloud)
        admin = db.session.get(User, world["admin"])
        settings.set_inheritance(admin, world["eng"], "backup", inherit=False)
        settings.save_group(admin, world["eng"], "backup", form("backup", frequency_minutes=60), "lock")
        device = db.session.scalar(select(Device).where(Device.guid == answer["guid"]))
        db.session.add(DeviceCommand(device_id=device.id, command="status"))
        db.session.commit()
        cloud_guid = cloud.guid
    report = {"agent_version": "1.0.1", "backup": [{
        "destination_guid": cloud_guid, "selected_files": 120, "selected_bytes": 5000, "archive_bytes": 4000,
        "percent_complete": 100, "last_backup": "2026-11-25T10:00:00Z",
        "last_completed_backup": "2026-11-25T10:00:00Z"}]}
    response = client.post(f"{API}/heartbeat", json=report, headers=auth(answer))
    assert response.status_code == 200
    body = response.get_json()
    assert body["settings"]["backup"]["frequency_minutes"] == {"value": 60, "locked": True}
    assert [c["command"] for c in body["commands"]] == ["status"]
    with app.app_context():
        device = db.session.scalar(select(Device).where(Device.guid == answer["guid"]))
        assert device.agent_version == "1.0.1" and device.archive_bytes == 4000
        assert device.last_completed_backup.isoformat() == "2026-11-25T10:00:00"
        assert db.session.get(User, device.user_id).archive_bytes == 4000
        assert db.session.scalar(select(DeviceCommand.status)) == "sent"
    again = client.post(f"{API}/heartbeat", json={}, headers=auth(answer)).get_json()
    assert again["commands"] == []  # handed over once


def test_a_bad_backup_report_is_refused_whole_naming_the_field(app, client, world):
    answer = register(client, app, world).get_json()
    with app.app_context():
        cloud = Destination(name="Cloud", kind="cloud")
        db.session.add(cloud)
        db.session.commit()
        cloud_guid = cloud.guid
    report = {"backup": [{"destination_guid": cloud_guid, "archive_bytes": 10},
                         {"destination_guid": cloud_guid, "percent_complete": 140}]}
    response = client.post(f"{API}/heartbeat", json=report, headers=auth(answer))
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "backup[1].percent_complete"
    with app.app_context():
        assert db.session.scalar(select(Device.archive_bytes).where(Device.guid == answer["guid"])) == 0


def test_command_results_are_stored_once(app, client, world):
    answer = register(client, app, world).get_json()
    with app.app_context():
        device = db.session.scalar(select(Device).where(Device.guid == answer["guid"]))
        command = DeviceCommand(device_id=device.id, command="version", status="sent")
        db.session.add(command)
        db.session.commit()
        command_id = command.id
    url = f"{API}/commands/{command_id}/result"
    assert client.post(url, json={"output": "webconsole-agent 1.0.1", "exit_status": 0},
                       headers=auth(answer)).status_code == 200
    assert client.post(url, json={"output": "again"}, headers=auth(answer)).status_code == 409
    assert client.post(f"{API}/commands/99999/result", json={}, headers=auth(answer)).status_code == 404
    with app.app_context():
        assert db.session.get(DeviceCommand, command_id).output == "webconsole-agent 1.0.1"


def test_backup_sets_name_destinations_by_guid_as_the_backup_report_does(app, client, world):
    with app.app_context():
        destination = Destination(name="Cloud North", kind="cloud")
        db.session.add(destination)
        db.session.commit()
        org = db.session.get(Org, world["root"])
        settings.save_group(db.session.get(User, world["admin"]), org.id, "backup", form("backup", backup_sets=[
            {"name": "Work", "included_paths": ["~/work"], "excluded_paths": [],
             "destinations": [destination.id]}]), "push")
        guid = destination.guid
    answer = register(client, app, world).get_json()
    [backup_set] = answer["settings"]["backup"]["backup_sets"]["value"]
    assert backup_set["destinations"] == [guid]
    report = {"backup": [{"destination_guid": guid, "selected_files": 3, "selected_bytes": 30}]}
    assert client.post(f"{API}/heartbeat", json=report, headers=auth(answer)).status_code == 200


def _sets_to(app, world, *destinations):
    """Push one backup set to the given destinations (their ids) from the root org."""
    with app.app_context():
        org = db.session.get(Org, world["root"])
        settings.save_group(db.session.get(User, world["admin"]), org.id, "backup", form("backup", backup_sets=[
            {"name": "Work", "included_paths": ["~/work"], "excluded_paths": [],
             "destinations": list(destinations)}]), "push")


def test_the_backup_plan_gives_this_servers_repository_its_password_and_the_versions_to_keep(app, client, world):
    with app.app_context():
        local, cloud = Destination(name="This server", kind="local"), Destination(name="Cloud North", kind="cloud")
        db.session.add_all([local, cloud])
        db.session.commit()
        guids, ids = (local.guid, cloud.guid), (local.id, cloud.id)
    _sets_to(app, world, *ids)
    answer = register(client, app, world).get_json()
    assert client.get(f"{API}/backup-plan").status_code == 401
    response = client.get(f"{API}/backup-plan", headers=auth(answer))
    plan = response.get_json()
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert plan["key_type"] == "standard"
    [stored, other] = plan["destinations"]
    assert (stored["guid"], stored["kind"], stored["repository"], stored["append_only"]) == (
        guids[0], "local", f"/storage/{answer['guid']}/", False)
    assert len(stored["password"]) >= 40
    assert other["guid"] == guids[1] and "repository" not in other and "password" not in other and other["reason"]
    assert plan["forget"] == ["--keep-within", "7d", "--keep-within-daily", "90d", "--keep-within-weekly", "1y",
                              "--keep-within-monthly", "100y"]
    again = client.get(f"{API}/backup-plan", headers=auth(answer)).get_json()
    assert again["destinations"][0]["password"] == stored["password"]  # made once, kept sealed
    with app.app_context():
        from webconsole.models import DeviceKey
        sealed = db.session.scalar(select(DeviceKey.sealed_password))
        assert sealed and stored["password"] not in sealed


def test_a_custom_key_device_gets_no_password(app, client, world):
    with app.app_context():
        local = Destination(name="This server", kind="local")
        db.session.add(local)
        db.session.commit()
        local_id = local.id
        settings.save_group(db.session.get(User, world["admin"]), world["root"], "security",
                            form("security", archive_key_type="custom"), "push")
    _sets_to(app, world, local_id)
    answer = register(client, app, world).get_json()
    plan = client.get(f"{API}/backup-plan", headers=auth(answer)).get_json()
    assert plan["key_type"] == "custom" and "password" not in plan["destinations"][0]


def test_a_heartbeat_stores_what_the_backup_engine_said_of_its_run(app, client, world, sign_in):
    with app.app_context():
        local = Destination(name="This server", kind="local")
        db.session.add(local)
        db.session.commit()
        guid, local_id = local.guid, local.id
    _sets_to(app, world, local_id)
    answer = register(client, app, world).get_json()
    report = {"backup": [{"destination_guid": guid, "selected_files": 3, "selected_bytes": 30, "status": "failed",
                          "files_new": 2, "files_changed": 1, "bytes_new": 20, "snapshot_id": "ab" * 32,
                          "error": "restic is not installed on this device"}]}
    assert client.post(f"{API}/heartbeat", json=report, headers=auth(answer)).status_code == 200
    bad = {"backup": [{"destination_guid": guid, "status": "exploded"}]}
    response = client.post(f"{API}/heartbeat", json=bad, headers=auth(answer))
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "backup[0].status"
    with app.app_context():
        from webconsole.models import BackupState
        state = db.session.scalar(select(BackupState))
        run = (state.status, state.files_new, state.files_changed, state.bytes_new, state.snapshot_id, state.error)
        assert run == ("failed", 2, 1, 20, "ab" * 32, "restic is not installed on this device")
        device_id = state.device_id
    hostile = {"backup": [{"destination_guid": guid, "status": "failed", "error": "<img src=x onerror=alert(1)>"}]}
    assert client.post(f"{API}/heartbeat", json=hostile, headers=auth(answer)).status_code == 200
    sign_in("admin@acme.test")
    page = client.get(f"/devices/{device_id}").get_data(as_text=True)
    assert "Failed" in page and "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    done = {"backup": [{"destination_guid": guid, "status": "completed", "files_new": 1200, "files_changed": 3,
                        "bytes_new": 5 * 1024**2, "error": "", "percent_complete": 100}]}
    assert client.post(f"{API}/heartbeat", json=done, headers=auth(answer)).status_code == 200
    page = client.get(f"/devices/{device_id}").get_data(as_text=True)
    assert "Completed" in page and "1,200 new and 3 changed files, 5 MB added" in page


def test_a_lost_master_key_is_a_503_for_the_agent_not_a_crash(app, client, world, tmp_path):
    with app.app_context():
        local = Destination(name="This server", kind="local")
        db.session.add(local)
        db.session.commit()
        local_id = local.id
    _sets_to(app, world, local_id)
    answer = register(client, app, world).get_json()
    assert client.get(f"{API}/backup-plan", headers=auth(answer)).status_code == 200  # sealed with the key
    app.config["MASTER_KEY_FILE"] = str(tmp_path / "another.key")  # the key file lost: a new one is made
    response = client.get(f"{API}/backup-plan", headers=auth(answer))
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "keystore.unavailable"
