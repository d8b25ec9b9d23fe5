import pytest
from sqlalchemy import func, select

from webconsole.demo.data import DEMO_SIGNINS, load_demo
from webconsole.domain import settings_spec
from webconsole.domain.scope import scope_for
from webconsole.domain.search import search
from webconsole.domain.settings import group_state
from webconsole.extensions import db
from webconsole.models import BackupState, Destination, Device, DeviceSettings, Org, OrgTotals, User


def test_demo_data_has_a_deep_tree_users_devices_and_sign_ins(app, client):
    with app.app_context():
        load_demo("demo-password", users=60, devices=120)
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(User) == 60 and count(Device) == 120 and count(Destination) == 3
        # An agent registered to try the demo backs up to "This server" (the demo devices' numbers are made up).
        root = db.session.scalar(select(Org).where(Org.parent_id.is_(None)))
        local = db.session.scalar(select(Destination).where(Destination.kind == "local"))
        from webconsole.domain import settings
        [backup_set] = settings.group_state(root, "backup").values["backup_sets"]
        assert backup_set["destinations"] == [local.id]
        assert count(BackupState) >= 120
        assert max(org.depth for org in db.session.scalars(select(Org))) == 2  # three levels
        assert {d.os for d in db.session.scalars(select(Device))} == {"windows", "macos", "linux"}
        for username, _first, _last, role, _org in DEMO_SIGNINS:
            user = db.session.scalar(select(User).where(User.username == username))
            assert [r.key for r in user.roles] == [role]
        orgadmin = db.session.scalar(select(User).where(User.username == "orgadmin@example.com"))
        assert scope_for(orgadmin, "devices.view").kind == "subtree"
    for username, *_ in DEMO_SIGNINS:
        response = client.post("/auth/signin", data={"username": username, "password": "demo-password"})
        assert response.status_code == 302, username
        client.post("/auth/signout")


def test_demo_devices_have_their_settings_and_are_searchable_and_counted(app):
    with app.app_context():
        load_demo("demo-password", users=40, devices=80)
        for device in db.session.scalars(select(Device).limit(5)):
            copies = {row.group: row.values for row in db.session.scalars(
                select(DeviceSettings).where(DeviceSettings.device_id == device.id))}
            assert copies == {key: group_state(device.org, key).values for key in settings_spec.GROUP_KEYS}
        active = db.session.scalar(select(func.count()).select_from(Device).where(Device.status == "active"))
        assert db.session.scalar(select(func.sum(OrgTotals.devices))) == active
        admin = db.session.scalar(select(User).where(User.username == "admin@example.com"))
        device = db.session.scalar(select(Device).order_by(Device.id.desc()).limit(1))
        assert device.id in [d.id for d in search(admin, device.hostname, limit=50).devices]
        assert "orgadmin@example.com" in [u.username for u in search(admin, "orgadmin").users]


@pytest.mark.committed  # the command migrates through the engine
def test_demo_cli_refuses_a_database_that_has_data(app, world):
    result = app.test_cli_runner().invoke(args=["demo", "--users", "10", "--devices", "10"])
    assert result.exit_code != 0
    assert "already holds data" in result.output


@pytest.mark.committed  # the command migrates through the engine
def test_demo_cli_loads_with_a_progress_bar(app):
    result = app.test_cli_runner().invoke(args=["demo", "--users", "30", "--devices", "50"])
    assert result.exit_code == 0, result.output
    assert "Loading demo data" in result.output and "admin@example.com" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device)) == 50


def test_demo_watchlists_have_leavers_and_members_with_recent_exposure(app):
    from webconsole.domain import watchlists

    with app.app_context():
        load_demo("demo-password", users=60, devices=120, events=3000)
        admin = db.session.scalar(select(User).where(User.username == "admin@example.com"))
        departing = watchlists.quick_counts(admin, "departing", 100)
        assert departing["leaving_today"][0] >= 1 and departing["leaving_30d"][0] >= 3
        assert departing["exposure_30d"][0] >= 1
        assert watchlists.quick_counts(admin, "high_risk", 100)["exposure_30d"][0] >= 1
