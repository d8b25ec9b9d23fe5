import pytest
from sqlalchemy import select

from webconsole.domain import settings
from webconsole.domain.errors import Forbidden, ValidationError
from webconsole.domain.settings_spec import GROUP_KEYS, defaults
from webconsole.extensions import db
from webconsole.models import AuditEvent, Device, Org, User


def form(group, **changes):
    """Form data for a group: its defaults, with `changes`."""
    values = {**defaults(group), **changes}
    data = {}
    for key, value in values.items():
        if key == "backup_sets":
            for i, backup_set in enumerate(value):
                data[f"{key}-{i}-name"] = [backup_set["name"]]
                data[f"{key}-{i}-included_paths"] = ["\n".join(backup_set["included_paths"])]
                data[f"{key}-{i}-excluded_paths"] = ["\n".join(backup_set["excluded_paths"])]
                data[f"{key}-{i}-destinations"] = [str(d) for d in backup_set["destinations"]]
        elif isinstance(value, bool):
            data[key] = ["on"] if value else []
        elif isinstance(value, list):
            data[key] = ["\n".join(map(str, value))]
        else:
            data[key] = [str(value)]
    return data


def ctx(app, world):
    """(admin, {name: org}) inside an app context."""
    admin = db.session.get(User, world["admin"])
    orgs = {k: db.session.get(Org, world[k]) for k in ("root", "eng", "platform", "sales")}
    return admin, orgs


def frequency(device_id):
    device = db.session.get(Device, device_id)
    value = next(v for v in settings.device_group(device, "backup") if v.setting.key == "frequency_minutes")
    return value


def test_new_orgs_inherit_the_built_in_defaults(app, world):
    with app.app_context():
        _admin, orgs = ctx(app, world)
        state = settings.group_state(orgs["platform"], "backup")
        assert state.values["frequency_minutes"] == 15 and state.source is None and not state.owns


def test_save_changes_defaults_for_new_devices_only(app, world, make_device):
    with app.app_context():
        admin, orgs = ctx(app, world)
        settings.snapshot_new_device(db.session.get(Device, world["user_laptop"]))
        db.session.commit()
        settings.save_group(admin, orgs["root"].id, "backup", form("backup", frequency_minutes=60), "save")
        assert settings.group_state(orgs["platform"], "backup").values["frequency_minutes"] == 60
        assert frequency(world["user_laptop"]).value == 15  # registered before the save
        new = db.session.get(Device, make_device(world["user"], "NEW-ONE"))
        settings.snapshot_new_device(new)
        db.session.commit()
        assert frequency(new.id).value == 60 and frequency(new.id).source.name == "Acme"


def test_push_writes_existing_devices_but_not_where_inheritance_is_off(app, world):
    with app.app_context():
        admin, orgs = ctx(app, world)
        settings.set_inheritance(admin, orgs["sales"].id, "backup", inherit=False)
        pushed = settings.save_group(admin, orgs["root"].id, "backup", form("backup", frequency_minutes=240), "push")
        assert pushed == 2  # the two Platform devices; Sales keeps its own
        value = frequency(world["user_laptop"])
        assert value.value == 240 and value.source.name == "Acme" and value.locked_by is None
        assert frequency(world["seller_laptop"]).value == 15


def test_push_skips_the_orgs_below_one_with_its_own_values(app, world):
    with app.app_context():
        admin, orgs = ctx(app, world)
        settings.set_inheritance(admin, orgs["eng"].id, "backup", inherit=False)  # Platform is below it
        pushed = settings.save_group(admin, orgs["root"].id, "backup", form("backup", frequency_minutes=240), "push")
        assert pushed == 1  # the Sales device only
        assert frequency(world["seller_laptop"]).value == 240
        assert frequency(world["user_laptop"]).value == 15


def test_lock_reaches_devices_below_and_not_a_sibling(app, world):
    with app.app_context():
        admin, orgs = ctx(app, world)
        settings.set_inheritance(admin, orgs["eng"].id, "backup", inherit=False)
        settings.save_group(admin, orgs["eng"].id, "backup", form("backup", frequency_minutes=480), "lock")
        locked = frequency(world["user_laptop"])
        assert locked.value == 480 and locked.locked_by.name == "Engineering"
        free = frequency(world["seller_laptop"])
        assert free.value == 15 and free.locked_by is None
        # Lower orgs and devices cannot change a locked group.
        with pytest.raises(Forbidden):
            settings.set_inheritance(admin, orgs["platform"].id, "backup", inherit=False)
        with pytest.raises(Forbidden):
            settings.change_device_group(admin, db.session.get(Device, world["user_laptop"]), "backup",
                                         form("backup", frequency_minutes=15))
        assert frequency(world["user_laptop"]).value == 480


def test_a_lock_overrides_lower_orgs_own_values(app, world):
    with app.app_context():
        admin, orgs = ctx(app, world)
        settings.set_inheritance(admin, orgs["platform"].id, "backup", inherit=False)
        settings.save_group(admin, orgs["platform"].id, "backup", form("backup", frequency_minutes=30), "save")
        settings.save_group(admin, orgs["root"].id, "backup", form("backup", frequency_minutes=1440), "lock")
        assert settings.group_state(orgs["platform"], "backup").values["frequency_minutes"] == 1440
        assert frequency(world["user_laptop"]).value == 1440


def test_turning_inheritance_back_on_discards_the_orgs_values(app, world):
    with app.app_context():
        admin, orgs = ctx(app, world)
        settings.set_inheritance(admin, orgs["sales"].id, "general", inherit=False)
        settings.save_group(admin, orgs["sales"].id, "general", form("general", warning_days=10, critical_days=20),
                            "save")
        assert settings.group_state(orgs["sales"], "general").values["warning_days"] == 10
        settings.set_inheritance(admin, orgs["sales"].id, "general", inherit=True)
        state = settings.group_state(orgs["sales"], "general")
        assert state.values["warning_days"] == 3 and not state.owns
        types = db.session.scalars(select(AuditEvent.event_type).order_by(AuditEvent.id)).all()
        assert types == ["settings.own", "settings.save", "settings.inherit"]


def test_a_device_change_is_its_own_and_audited(app, world):
    with app.app_context():
        admin, _orgs = ctx(app, world)
        device = db.session.get(Device, world["user_laptop"])
        settings.change_device_group(admin, device, "backup", form("backup", frequency_minutes=120))
        value = frequency(device.id)
        assert value.value == 120 and value.on_device and value.source is None
        others = [v for v in settings.device_group(device, "backup") if v.setting.key == "run_schedule"]
        assert not others[0].on_device  # unchanged values keep their origin
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "device.settings"))
        assert event.details["changes"] == {"frequency_minutes": [15, 120]}


@pytest.mark.parametrize("group, changes, field", [
    ("general", {"warning_days": 9, "critical_days": 5}, "critical_days"),
    ("general", {"away_minutes": 0}, "away_minutes"),
    ("backup", {"filename_exclusions": ["(unclosed"]}, "filename_exclusions"),
    ("backup", {"window_start": "25:00"}, "window_start"),
    ("backup", {"frequency_minutes": 7}, "frequency_minutes"),
    ("backup", {"backup_sets": [{"name": "Docs", "included_paths": ["~"], "excluded_paths": [],
                                 "destinations": [999]}]}, "backup_sets"),
    ("backup", {"backup_sets": []}, "backup_sets"),
    ("backup", {"backup_sets": [{"name": "A", "included_paths": [], "excluded_paths": [], "destinations": []},
                                {"name": "a", "included_paths": [], "excluded_paths": [], "destinations": []}]},
     "backup_sets"),
])
def test_bad_values_are_refused_naming_the_field_and_nothing_is_stored(app, world, group, changes, field):
    with app.app_context():
        admin, orgs = ctx(app, world)
        with pytest.raises(ValidationError) as refused:
            settings.save_group(admin, orgs["root"].id, group, form(group, **changes), "push")
        assert refused.value.field == field
        db.session.rollback()
        assert not settings.group_state(orgs["root"], group).owns


def test_org_admin_cannot_change_settings_above_their_subtree(app, world):
    from webconsole.domain.errors import NotFound
    with app.app_context():
        _admin, orgs = ctx(app, world)
        orgadmin = db.session.get(User, world["orgadmin"])
        with pytest.raises(NotFound):
            settings.save_group(orgadmin, orgs["root"].id, "backup", form("backup"), "lock")


def test_bulk_snapshot_gives_every_device_its_orgs_current_values(app, world):
    from webconsole.models import DeviceSettings
    with app.app_context():
        admin, orgs = ctx(app, world)
        settings.set_inheritance(admin, orgs["sales"].id, "backup", inherit=False)
        settings.save_group(admin, orgs["sales"].id, "backup", form("backup", frequency_minutes=30), "save")
        settings.snapshot_devices_without_settings()
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(DeviceSettings)) == 3 * len(GROUP_KEYS)
        seller = frequency(world["seller_laptop"])
        assert seller.value == 30 and seller.source.name == "Sales" and not seller.on_device
        assert frequency(world["user_laptop"]).source is None  # built-in defaults
        # A later Save leaves them as they were registered.
        settings.save_group(admin, orgs["sales"].id, "backup", form("backup", frequency_minutes=60), "save")
        assert frequency(world["seller_laptop"]).value == 30


def test_values_by_org_agrees_with_group_state(app, world):
    with app.app_context():
        admin, orgs = ctx(app, world)
        settings.set_inheritance(admin, orgs["eng"].id, "general", inherit=False)
        settings.save_group(admin, orgs["eng"].id, "general", form("general", warning_days=5, critical_days=9), "save")
        settings.save_group(admin, orgs["root"].id, "general", form("general", warning_days=2, critical_days=4), "save")
        by_org = settings.values_by_org("general")
        for org in orgs.values():
            assert by_org[org.id] == settings.group_state(org, "general").values
        settings.save_group(admin, orgs["root"].id, "general", form("general", warning_days=1, critical_days=2), "lock")
        by_org = settings.values_by_org("general")
        for org in orgs.values():
            assert by_org[org.id] == settings.group_state(org, "general").values
        assert by_org[orgs["platform"].id]["warning_days"] == 1


def test_backup_sets_are_added_named_and_removed(app, world):
    from webconsole.domain.settings_spec import parse
    with app.app_context():
        data = form("backup")
        data.update({"backup_sets-new-name": ["  Design   files "], "backup_sets-new-included_paths": ["~/Design\n"],
                     "backup_sets-new-excluded_paths": [""], "backup_sets-new-destinations": []})
        sets = parse("backup", data)["backup_sets"]
        assert [s["name"] for s in sets] == ["Default", "Design files"]
        assert sets[1]["included_paths"] == ["~/Design"]
        data["backup_sets-0-remove"] = ["on"]
        assert [s["name"] for s in parse("backup", data)["backup_sets"]] == ["Design files"]
        # An untouched "add a set" block adds nothing.
        data = form("backup")
        data.update({"backup_sets-new-name": [""], "backup_sets-new-included_paths": [""]})
        assert len(parse("backup", data)["backup_sets"]) == 1
