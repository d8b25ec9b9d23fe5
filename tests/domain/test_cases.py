"""Cases: opened about a user in the actor's scope, with the events the actor reaches; every change audited."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.blueprints.test_file_event_upload import event
from webconsole.domain import cases, events
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.extensions import db
from webconsole.models import (
    Alert,
    AlertEvent,
    AlertRule,
    AuditEvent,
    Case,
    CaseEvent,
    Device,
    FileEvent,
    Role,
    RolePermission,
    User,
)
from webconsole.models.base import utcnow


def store_events(device_id, names, **changes):
    """Store one file event per name on the device; their ids, in order."""
    device = db.session.get(Device, device_id)
    ids = []
    for n, name in enumerate(names):
        raw = event(fileName=name, eventTimestamp=(utcnow() - timedelta(hours=n + 1)).isoformat() + "Z",
                    exposure=["RemovableMedia"], syncDestination=None, **changes)
        events.store([events.parse_event(raw)], f"d{device.id}", {
            "device_id": device.id, "user_id": device.user_id, "org_id": device.org_id,
            "username": device.user.username, "hostname": device.hostname})
        ids.append(db.session.scalar(select(FileEvent.id).where(FileEvent.event_id == raw["eventId"])))
    return ids


def make_alert(user_id, event_ids, recipients=(), name="USB copies", severity="high", file_count=None):
    """An alert (and its rule) about `user_id`'s events, as evaluation would store it; its id."""
    user = db.session.get(User, user_id)
    rule = AlertRule(name=name, severity=severity, vector="removable_media", threshold_kind="files", threshold=20,
                     window_amount=1, window_unit="hours", recipients=list(recipients))
    db.session.add(rule)
    db.session.flush()
    now = utcnow()
    alert = Alert(rule_id=rule.id, user_id=user.id, org_id=user.org_id, username=user.username, name=name,
                  severity=severity, vector="removable_media", file_count=file_count or len(event_ids) or 42,
                  total_bytes=1_300_000_000, first_event_at=now - timedelta(minutes=40), last_event_at=now,
                  threshold_kind="files", threshold=20, window_amount=1, window_unit="hours")
    db.session.add(alert)
    db.session.flush()
    db.session.add_all([AlertEvent(alert_id=alert.id, event_id=i, rule_id=rule.id) for i in event_ids])
    db.session.commit()
    return alert.id


@pytest.fixture
def casework(app, world, make_user):
    """An analyst reaching everything, an investigator reaching Engineering only, and events of both kinds."""
    ids = dict(world)
    ids["analyst"] = make_user("analyst@acme.test", "insider_risk_analyst", world["root"])
    ids["analyst2"] = make_user("analyst2@acme.test", "security_admin", world["root"])
    with app.app_context():
        role = Role(key="eng_investigator", name="Engineering investigator", scope="subtree", builtin=False)
        role.permissions = [RolePermission(permission=p) for p in ("cases.manage", "forensics.search")]
        db.session.add(role)
        db.session.commit()
        ids["eng_role"] = role.id
    ids["eng"] = make_user("eng-investigator@acme.test", None, world["eng"])
    with app.app_context():
        investigator = db.session.get(User, ids["eng"])
        investigator.roles.append(db.session.get(Role, ids["eng_role"]))
        db.session.commit()
        ids["user_events"] = store_events(world["user_laptop"], ["plans.docx", "roadmap.pdf", "salaries.xlsx"])
        ids["seller_events"] = store_events(world["seller_laptop"], ["pricing.xlsx"])
    return ids


def actor(ids, key):
    return db.session.get(User, ids[key])


def test_a_case_about_a_user_holds_the_events_and_is_audited(app, casework):
    with app.app_context():
        analyst = actor(casework, "analyst")
        case = cases.create_case(analyst, name="  Departing   engineer ", subject="USER@acme.test",
                                 assignee_id=str(casework["analyst2"]), events=casework["user_events"][:2])
        assert (case.name, case.subject_username, case.status) == ("Departing engineer", "user@acme.test", "open")
        assert case.org_id == casework["platform"] and case.assignee_id == casework["analyst2"]
        assert [e.file_name for e in cases.case_events(case)] == ["plans.docx", "roadmap.pdf"]
        assert cases.add_events(analyst, case, casework["user_events"]) == 1  # two were there already
        assert cases.remove_events(analyst, case, casework["user_events"][:1]) == 1
        cases.set_status(analyst, case, "closed")
        assert case.closed_at is not None
        cases.set_status(analyst, case, "open")
        assert case.closed_at is None
        kinds = db.session.scalars(select(AuditEvent.event_type).where(AuditEvent.object_type == "case")
                                   .order_by(AuditEvent.id)).all()
        assert kinds == ["case.create", "case.events_add", "case.events_remove", "case.close", "case.reopen"]


def test_scope_follows_the_subjects_org(app, casework):
    with app.app_context():
        analyst, eng = actor(casework, "analyst"), actor(casework, "eng")
        theirs = cases.create_case(analyst, name="Pricing leak", subject="seller@acme.test")
        ours = cases.create_case(eng, name="USB copies", subject="user@acme.test", events=casework["user_events"])
        with pytest.raises(NotFound):
            cases.get_case(eng, theirs.id)
        with pytest.raises(ValidationError) as refused:
            cases.create_case(eng, name="Not mine", subject="seller@acme.test")
        assert refused.value.field == "subject"
        # Events beyond the actor's reach are left out, unsaid.
        assert cases.add_events(eng, ours, casework["seller_events"]) == 0
        listed = db.session.execute(cases.case_list(eng, cases_params())).all()
        assert [row.name for row in listed] == ["USB copies"]
        # Only holders of cases.manage whose scope reaches the subject may be assigned.
        choices = dict(cases.assignee_choices(analyst, org=cases.org_of(theirs)))
        assert "eng-investigator@acme.test" not in choices.values() and "analyst@acme.test" in choices.values()
        with pytest.raises(ValidationError):
            cases.update_case(analyst, theirs, name="Pricing leak", description="", findings="",
                              assignee_id=casework["eng"])
        with pytest.raises(ValidationError):
            cases.update_case(analyst, theirs, name="Pricing leak", description="", findings="",
                              assignee_id=casework["helpdesk"])


def cases_params(**filters):
    from webconsole.domain.listings import catalog
    return catalog.CASES.params(filters=filters)


def test_a_case_from_an_alert_starts_with_its_user_and_events(app, casework):
    with app.app_context():
        analyst = actor(casework, "analyst")
        alert_id = make_alert(casework["user"], casework["user_events"])
        defaults = cases.defaults_from(analyst, alert_id=str(alert_id))
        assert defaults["subject"] == "user@acme.test" and sorted(defaults["events"]) == sorted(casework["user_events"])
        case = cases.create_case(analyst, name=defaults["name"], subject=defaults["subject"], events=defaults["events"],
                                 alert_id=alert_id)
        assert case.alert_id == alert_id and cases.event_count(case) == 3
        with pytest.raises(NotFound):
            cases.defaults_from(actor(casework, "eng"), alert_id=str(make_alert(casework["seller"], [])))
        selection = cases.defaults_from(analyst, selected=casework["user_events"][:1])
        assert selection["subject"] == "user@acme.test"


@pytest.mark.parametrize("values", [["1", "x"], ["-1"], ["²"], [str(2**63)], [str(i) for i in range(1, 1003)]])
def test_a_selection_of_events_is_bounded_and_parsed(values):
    with pytest.raises(ValidationError):
        cases.event_ids(values)


def test_names_and_texts_are_bounded(app, casework):
    with app.app_context():
        analyst = actor(casework, "analyst")
        for name in ("", "ab", "x" * 101):
            with pytest.raises(ValidationError) as refused:
                cases.create_case(analyst, name=name, subject="user@acme.test")
            assert refused.value.field == "name"
        case = cases.create_case(analyst, name="Fine", subject="user@acme.test")
        with pytest.raises(ValidationError) as refused:
            cases.update_case(analyst, case, name="Fine", description="", findings="x" * 20_001, assignee_id="")
        assert refused.value.field == "findings"
        assert db.session.scalar(select(Case.findings).where(Case.id == case.id)) == ""
        assert db.session.scalar(select(CaseEvent.case_id)) is None
