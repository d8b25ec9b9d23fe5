"""The settings an agent receives come from the stored effective settings per org: they must be exactly
what walking the org chain per group gives, after every kind of change to the settings or the tree."""
from sqlalchemy import delete, select

from tests.domain.test_settings import form
from webconsole.domain import agents, effective_settings, orgs, settings, settings_spec
from webconsole.extensions import db
from webconsole.models import Destination, Device, DeviceSettings, Org, OrgEffectiveSettings, User


def walked(device):
    """The agent's settings as the chain walk computes them (how heartbeats answered before)."""
    guids = dict(db.session.execute(select(Destination.id, Destination.guid)).all())
    answer = {}
    for group in settings_spec.GROUPS:
        answer[group.key] = {}
        for v in settings.device_group(device, group.key):
            value = v.value
            if v.setting.kind == "sets":
                value = [{**s, "destinations": [guids[d] for d in s.get("destinations", []) if d in guids]}
                         for s in value]
            answer[group.key][v.setting.key] = {"value": value, "locked": v.locked_by is not None}
    return answer


def assert_agents_get_the_walked_settings(step):
    db.session.expire_all()
    devices = db.session.scalars(select(Device).order_by(Device.id)).all()
    assert devices
    for device in devices:
        assert agents.device_settings(device) == walked(device), (step, device.name)
    # And so do orgs whose row is missing (loaded in bulk, or from before the table): worked out on demand.
    db.session.execute(delete(OrgEffectiveSettings))
    for device in devices:
        assert agents.device_settings(device) == walked(device), (step, device.name, "recomputed")
    db.session.commit()


def backup_form(frequency, *destinations):
    return form("backup", frequency_minutes=frequency, backup_sets=[
        {"name": "Work", "included_paths": ["~/Work"], "excluded_paths": [], "destinations": list(destinations)}])


def test_agents_get_the_same_settings_as_the_chain_walk_after_every_change(app, world, make_org, make_user,
                                                                          make_device):
    team = make_org("Platform Team", world["platform"])
    emea = make_org("Sales EMEA", world["sales"])
    member = make_user("member@acme.test", "desktop_user", team)
    seller = make_user("emea@acme.test", "desktop_user", emea)
    with app.app_context():
        cloud, local = Destination(name="Cloud", kind="cloud"), Destination(name="Local", kind="server")
        db.session.add_all([cloud, local])
        db.session.commit()
        cloud_id, local_id = cloud.id, local.id
    snapshotted = [make_device(member, "TEAM-LAPTOP"), make_device(seller, "EMEA-LAPTOP"), world["user_mac"]]
    make_device(member, "TEAM-DESKTOP")  # never snapshotted: no copy of any group
    with app.app_context():
        for device_id in snapshotted:
            settings.snapshot_new_device(db.session.get(Device, device_id))
        db.session.commit()
        admin = db.session.get(User, world["admin"])
        ids = {name: world[name] for name in ("root", "eng", "platform", "sales")} | {"team": team, "emea": emea}
        assert_agents_get_the_walked_settings("built-in defaults")

        settings.save_group(admin, ids["root"], "backup", backup_form(60, cloud_id), "save")
        assert_agents_get_the_walked_settings("save at the top")
        settings.set_inheritance(admin, ids["eng"], "backup", inherit=False)
        settings.save_group(admin, ids["eng"], "backup", backup_form(120, cloud_id, local_id), "push")
        assert_agents_get_the_walked_settings("push in the middle")
        settings.set_inheritance(admin, ids["platform"], "general", inherit=False)
        settings.save_group(admin, ids["platform"], "general", form("general", away_minutes=30), "lock")
        assert_agents_get_the_walked_settings("lock below the middle")
        settings.change_device_group(admin, db.session.get(Device, snapshotted[0]), "backup",
                                     backup_form(480, local_id))
        settings.change_device_group(admin, db.session.get(Device, snapshotted[1]), "general",
                                     form("general", warning_days=5))
        assert_agents_get_the_walked_settings("values set on devices")
        settings.save_group(admin, ids["root"], "security", form("security"), "lock")
        settings.save_group(admin, ids["root"], "backup", backup_form(240, local_id), "lock")
        assert_agents_get_the_walked_settings("lock at the top over a lower org's own values")
        orgs.move_org(admin, ids["team"], ids["sales"])
        assert_agents_get_the_walked_settings("org moved to another branch")
        settings.save_group(admin, ids["root"], "backup", backup_form(15), "save")  # unlocks the top
        settings.set_inheritance(admin, ids["eng"], "backup", inherit=True)
        assert_agents_get_the_walked_settings("inheritance back on, top unlocked")
        added = orgs.add_org(admin, parent_id=ids["platform"], name="New Team")
        newcomer = User(username="new@acme.test", email="new@acme.test", password_hash="x", org_id=added.id)
        db.session.add(newcomer)
        db.session.flush()
        device = Device(name="NEW-LAPTOP", hostname="new-laptop", os="linux", user_id=newcomer.id, org_id=added.id)
        db.session.add(device)
        db.session.flush()
        settings.snapshot_new_device(device)
        db.session.commit()
        assert_agents_get_the_walked_settings("org created")
        orgs.set_org_active(admin, ids["sales"], False)
        orgs.set_org_active(admin, ids["sales"], True)
        assert_agents_get_the_walked_settings("org deactivated and reactivated")


def test_a_change_rewrites_the_stored_rows_of_the_whole_subtree(app, world):
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        settings.save_group(admin, world["root"], "reporting", form("reporting"), "lock")
        stored = dict(db.session.execute(select(OrgEffectiveSettings.org_id, OrgEffectiveSettings.groups)).all())
        assert set(stored) == set(db.session.scalars(select(Org.id)))
        assert all(groups["reporting"]["locked"] and groups["reporting"]["source"] == world["root"]
                   for groups in stored.values())
        assert effective_settings.decide([world["root"], world["sales"]], {})["reporting"] == \
            {"values": None, "locked": False, "source": None}


def test_a_device_without_copies_gets_its_orgs_values(app, world):
    with app.app_context():
        device = db.session.get(Device, world["seller_laptop"])
        assert db.session.scalar(select(DeviceSettings.id).where(DeviceSettings.device_id == device.id)) is None
        assert agents.device_settings(device) == walked(device)
