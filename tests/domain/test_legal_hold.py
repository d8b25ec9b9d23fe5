"""Legal hold in the domain: policies, matters, custodians, their history, and what a hold does to devices."""
import pytest
from sqlalchemy import select

from webconsole.domain import (
    agents,
    backup_plan,
    console,
    devices,
    legal_hold,
    orgs,
    preservation,
    settings,
    storage,
    users,
)
from webconsole.domain.errors import DomainError, Forbidden, ValidationError
from webconsole.extensions import db
from webconsole.models import AuditEvent, Destination, Device, HoldEvent, Matter, Repository, User


def policy_values(name="Whole home, forever", **changes):
    values = {"name": [name], "included_paths": ["~\n~/Projects"], "excluded_paths": ["~/Downloads"],
              "filename_exclusions": [r".*\.tmp$"], **{k: [str(v)] for k, v in legal_hold.POLICY_DEFAULTS.items()}}
    values.update(changes)
    return values


@pytest.fixture
def hold(app, world, make_user):
    """A legal-hold administrator, a policy and an active matter holding user@acme.test."""
    ids = dict(world)
    ids["legal"] = make_user("legal@acme.test", "legal_hold_admin", world["root"])
    with app.app_context():
        legal = db.session.get(User, ids["legal"])
        policy = legal_hold.create_policy(legal, policy_values())
        matter = legal_hold.create_matter(legal, name="Acme v. Example", policy_id=policy.id, reference="CV-1")
        legal_hold.add_custodians(legal, matter, [str(ids["user"])])
        ids["policy"], ids["matter"] = policy.id, matter.id
    return ids


def actor(ids, key="legal"):
    return db.session.get(User, ids[key])


def matter(ids):
    return db.session.get(Matter, ids["matter"])


def test_a_policy_is_validated_and_audited(app, hold):
    with app.app_context():
        legal = actor(hold)
        for values, field in [(policy_values(name="ab"), "name"), (policy_values(name="Whole HOME, forever"), "name"),
                              (policy_values(name="x" * 101), "name"), (policy_values(included_paths=[""]),
                                                                       "included_paths"),
                              (policy_values(filename_exclusions=["(unclosed"]), "filename_exclusions"),
                              (policy_values(frequency_minutes=["7"]), "frequency_minutes"),
                              (policy_values(versions_older=["²"]), "versions_older"),
                              (policy_values(included_paths=["a\x00b"]), "included_paths"),
                              (policy_values(excluded_paths=["x" * 2000]), "excluded_paths")]:
            with pytest.raises(ValidationError) as refused:
                legal_hold.create_policy(legal, values)
            assert refused.value.field == field, (values, refused.value.field)
        created = legal_hold.create_policy(legal, policy_values(name="Mail only", included_paths=["~/Mail"],
                                                                 remove_deleted_days=["365"], frequency_minutes=[60]))
        assert created.included_paths == ["~/Mail"] and created.backup["remove_deleted_days"] == 365
        assert created.backup["frequency_minutes"] == 60
        kinds = set(db.session.scalars(select(AuditEvent.event_type).where(AuditEvent.object_id == created.uid)))
        assert kinds == {"legalhold.policy_create"}


def test_a_policy_in_use_is_not_deleted_and_the_refusal_names_the_matters(app, hold):
    with app.app_context():
        legal, policy = actor(hold), legal_hold.get_policy(actor(hold), hold["policy"])
        with pytest.raises(ValidationError) as refused:
            legal_hold.delete_policy(legal, policy)
        assert refused.value.code == "legalhold.policy_in_use" and "Acme v. Example" in str(refused.value)
        legal_hold.set_matter_active(legal, matter(hold), False)
        with pytest.raises(ValidationError) as still:
            legal_hold.delete_policy(legal, policy)
        assert "Acme v. Example" in str(still.value)  # an inactive matter may be reactivated with it
        spare = legal_hold.create_policy(legal, policy_values(name="Spare"))
        legal_hold.delete_policy(legal, spare)
        assert legal_hold.policies() == [(policy.id, policy.name)]


def test_a_matter_needs_a_policy_first(app, world, make_user):
    legal_id = make_user("legal@acme.test", "legal_hold_admin", world["root"])
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            legal_hold.create_matter(db.session.get(User, legal_id), name="Early", policy_id="")
        assert refused.value.field == "policy" and "policy first" in str(refused.value)


def test_custodians_are_added_refused_when_already_held_removed_and_reactivated(app, hold):
    with app.app_context():
        legal, held = actor(hold), matter(hold)
        assert held.custodian_count == 1
        with pytest.raises(ValidationError) as refused:
            legal_hold.add_custodians(legal, held, [str(hold["seller"]), str(hold["user"])])
        assert refused.value.code == "legalhold.already_custodian" and "user@acme.test" in str(refused.value)
        assert held.custodian_count == 1  # refused as a whole
        legal_hold.add_custodians(legal, held, [str(hold["seller"])])
        assert held.custodian_count == 2
        [row] = [r for r in legal_hold.memberships_of(legal, db.session.get(User, hold["seller"]))]
        legal_hold.set_custodians_active(legal, held, [str(row[0].id)], False)
        assert held.custodian_count == 1 and not preservation.is_held(hold["seller"])
        legal_hold.add_custodians(legal, held, [str(hold["seller"])])  # adding again reactivates
        assert held.custodian_count == 2 and preservation.is_held(hold["seller"])
        events = [e.event_type for e, _name in legal_hold.history(matter=held)]
        assert events == ["MembershipReactivated", "MembershipDeactivated", "MembershipCreated", "MembershipCreated",
                          "HoldCreated"]
        assert [e.event_type for e, _n in legal_hold.history(user=db.session.get(User, hold["seller"]))] == \
            ["MembershipReactivated", "MembershipDeactivated", "MembershipCreated"]
        for bad in ([], ["x"], ["99999999999"], ["1" * 25]):
            with pytest.raises(ValidationError):
                legal_hold.add_custodians(legal, held, bad)


def test_an_inactive_matter_takes_no_custodians_and_holds_nobody(app, hold):
    with app.app_context():
        legal, held = actor(hold), matter(hold)
        assert legal_hold.status_effect(held) == {"custodians": 1, "devices": 2, "still_held": 0}
        legal_hold.set_matter_active(legal, held, False)
        assert not preservation.is_held(hold["user"])
        with pytest.raises(ValidationError) as refused:
            legal_hold.add_custodians(legal, held, [str(hold["seller"])])
        assert refused.value.code == "legalhold.matter_inactive"
        legal_hold.set_matter_active(legal, held, True)
        assert preservation.is_held(hold["user"])
        kinds = [e.event_type for e, _n in legal_hold.history(matter=held)][:2]
        assert kinds == ["HoldReactivated", "HoldDeactivated"]


def test_a_custodian_is_not_deactivated_through_any_door_but_may_be_blocked(app, hold):
    with app.app_context():
        admin = actor(hold, "admin")
        with pytest.raises(ValidationError) as refused:
            users.set_user_active(admin, hold["user"], False)
        assert refused.value.code == "user.legal_hold" and "Acme v. Example" in str(refused.value)
        with pytest.raises(ValidationError) as org_refused:
            orgs.set_org_active(admin, hold["eng"], False)
        assert org_refused.value.code == "user.legal_hold" and "Acme v. Example" in str(org_refused.value)
        output, ok = console.run_line(admin, "user.deactivate user@acme.test")
        assert not ok and "Acme v. Example" in output
        assert db.session.get(User, hold["user"]).status == "active"
        with pytest.raises(ValidationError) as device_refused:
            devices.change_device_status(admin, hold["user_laptop"], "deactivate")
        assert device_refused.value.code == "device.legal_hold" and "Acme v. Example" in str(device_refused.value)
        devices.change_device_status(admin, hold["user_laptop"], "block")
        users.set_user_blocked(admin, hold["user"], True)
        assert db.session.get(User, hold["user"]).blocked
        legal_hold.set_matter_active(actor(hold), matter(hold), False)
        output, ok = console.run_line(admin, "user.deactivate user@acme.test")
        assert ok, output
        assert db.session.get(User, hold["user"]).status == "deactivated"


def test_deactivated_users_cannot_be_held(app, hold):
    with app.app_context():
        users.set_user_active(actor(hold, "admin"), hold["seller"], False)
        with pytest.raises(ValidationError) as refused:
            legal_hold.add_custodians(actor(hold), matter(hold), [str(hold["seller"])])
        assert refused.value.code == "legalhold.user_deactivated"


def test_preservation_keeps_the_more_of_each_value():
    class Policy:
        def __init__(self, backup, exclusions, paths=("~",)):
            self.backup, self.filename_exclusions = backup, list(exclusions)
            self.included_paths, self.excluded_paths = list(paths), []

    own = {"frequency_minutes": 60, "versions_last_week": 15, "versions_last_90_days": 10080,
           "versions_last_year": 10080, "versions_older": 43200, "remove_deleted_days": 30,
           "filename_exclusions": [r".*\.tmp$", r".*\.iso$"], "run_schedule": "window",
           "backup_sets": [{"name": "Default", "included_paths": ["~"], "excluded_paths": [], "destinations": [7]}]}
    first = Policy({"frequency_minutes": 15, "versions_last_week": 60, "remove_deleted_days": 0},
                   [r".*\.tmp$", r".*\.log$"])
    second = Policy({"frequency_minutes": 30, "remove_deleted_days": 90}, [r".*\.tmp$"], ("/srv/share",))
    values, decided = preservation.preserve(dict(own), [("Alpha", first), ("Beta", second)], [7, 9])
    assert values["frequency_minutes"] == 15 and decided["frequency_minutes"] == "Alpha"
    assert values["versions_last_week"] == 15 and "versions_last_week" not in decided  # the device keeps more
    assert values["versions_last_90_days"] == legal_hold.POLICY_DEFAULTS["versions_last_90_days"]
    assert values["remove_deleted_days"] == 0 and decided["remove_deleted_days"] == "Alpha"  # never: the longest
    assert values["filename_exclusions"] == [r".*\.tmp$"]  # only what every hold's policy shares
    assert values["run_schedule"] == "window" and "run_schedule" not in decided
    names = [s["name"] for s in values["backup_sets"]]
    assert names == ["Default", "Legal hold: Alpha", "Legal hold: Beta"]
    assert values["backup_sets"][2]["included_paths"] == ["/srv/share"]
    assert values["backup_sets"][1]["destinations"] == [7]
    assert preservation.preserve(own, [], [7]) == (own, {})


def test_a_held_device_gets_the_policy_locked_and_keeps_every_version(app, hold):
    with app.app_context():
        local = Destination(name="This server", kind="local")
        db.session.add(local)
        db.session.commit()
        device = db.session.get(Device, hold["user_laptop"])
        backup = agents.device_settings(device)["backup"]
        assert backup["remove_deleted_days"] == {"value": 0, "locked": True}
        assert backup["filename_exclusions"]["value"] == [r".*\.tmp$"]
        held_set = backup["backup_sets"]["value"][-1]
        assert held_set["name"] == "Legal hold: Acme v. Example" and held_set["destinations"] == [local.guid]
        assert held_set["included_paths"] == ["~", "~/Projects"]
        plan = backup_plan.plan(device)
        assert plan["legal_hold"] is True and all(d["append_only"] for d in plan["destinations"] if "repository" in d)
        shown = {v.setting.key: v for v in settings.device_group(device, "backup")}
        assert shown["remove_deleted_days"].held_by == "Acme v. Example" and shown["run_schedule"].held_by is None
        with pytest.raises(Forbidden) as refused:
            settings.change_device_group(actor(hold, "admin"), device, "backup", {})
        assert refused.value.code == "settings.legal_hold"
        other = db.session.get(Device, hold["seller_laptop"])
        assert backup_plan.plan(other)["legal_hold"] is False
        assert agents.device_settings(other)["backup"]["remove_deleted_days"]["value"] == 30
        legal_hold.set_matter_active(actor(hold), matter(hold), False)
        assert agents.device_settings(device)["backup"]["remove_deleted_days"]["value"] == 30


def test_this_server_refuses_deletions_for_a_held_device(app, hold, tmp_path):
    app.config["STORAGE_DIR"] = str(tmp_path)
    with app.app_context():
        device = db.session.get(Device, hold["user_laptop"])
        with pytest.raises(DomainError) as refused:
            storage.delete_file(device, "snapshots", "a" * 64)
        assert refused.value.code == "storage.append_only"
        assert db.session.scalar(select(Repository.id)) is None  # refused before anything was touched


def test_every_change_is_audited_and_in_the_history(app, hold):
    with app.app_context():
        legal, held = actor(hold), matter(hold)
        legal_hold.update_matter(legal, held, name="Acme v. Example Corp", policy_id=hold["policy"],
                                 description="Patent dispute", notes="Counsel: R. Roe", reference="CV-2")
        kinds = list(db.session.scalars(select(AuditEvent.event_type).where(AuditEvent.object_type == "matter")
                                        .order_by(AuditEvent.id)))
        assert kinds == ["legalhold.matter_create", "legalhold.custodian_add", "legalhold.matter_update"]
        changes = db.session.scalar(select(AuditEvent.details).where(
            AuditEvent.event_type == "legalhold.matter_update"))["changes"]
        assert changes["reference"] == ["CV-1", "CV-2"] and changes["notes"] == ["…", "…"]
        assert db.session.scalar(select(HoldEvent.actor_username).where(HoldEvent.matter_id == held.id)) == \
            "legal@acme.test"
