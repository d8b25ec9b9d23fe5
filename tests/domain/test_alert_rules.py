"""Alert rules: every value checked, with a message for the field that holds it; changes audited."""
import pytest
from sqlalchemy import select

from webconsole.domain import alert_rules
from webconsole.domain.errors import ValidationError
from webconsole.extensions import db
from webconsole.models import AlertRule, AuditEvent, User


def values(**changes):
    return {"name": "USB copies", "description": "", "severity": "high", "vector": "removable_media",
            "categories": [], "name_part": "", "min_size": "", "threshold_kind": "files", "threshold": "20",
            "window_amount": "1", "window_unit": "hours", "watch": "everyone", "users": "", "recipients": "",
            **changes}


@pytest.fixture
def admin(app, world):
    with app.app_context():
        yield db.session.get(User, world["admin"])


def refused(admin, field, **changes):
    with pytest.raises(ValidationError) as error:
        alert_rules.create_rule(admin, values(**changes))
    assert error.value.field == field
    return str(error.value)


def test_a_rule_is_created_with_its_checked_values_and_audited(admin):
    rule = alert_rules.create_rule(admin, values(categories=["Pdf", "Document"], min_size="1000",
                                                 recipients="a@acme.test, b@acme.test;a@acme.test"))
    assert (rule.enabled, rule.categories, rule.min_size, rule.recipients) == (
        True, ["Document", "Pdf"], 1000, ["a@acme.test", "b@acme.test"])
    assert db.session.scalar(select(AuditEvent.event_type).where(AuditEvent.object_id == str(rule.id))) == \
        "alert_rule.create"


@pytest.mark.parametrize(("field", "changes", "message"), [
    ("name", {"name": "  "}, "Enter a name."),
    ("name", {"name": "x" * 101}, "at most 100"),
    ("severity", {"severity": "urgent"}, "Choose a value"),
    ("vector", {"vector": "fax"}, "Choose a value"),
    ("categories", {"categories": ["Pdf", "Nope"]}, "Choose a value"),
    ("threshold", {"threshold": "0"}, "from 1 to"),
    ("threshold", {"threshold": "1e3"}, "from 1 to"),
    ("threshold", {"threshold": "²"}, "from 1 to"),
    ("threshold", {"threshold": "1000001"}, "from 1 to 1,000,000"),
    ("window_amount", {"window_amount": "91", "window_unit": "days"}, "at most 90 days"),
    ("window_amount", {"window_amount": "2161", "window_unit": "hours"}, "from 1 to 2160"),
    ("window_unit", {"window_unit": "weeks"}, "Choose a value"),
    ("min_size", {"min_size": "-5"}, "size in bytes"),
    ("watch", {"watch": "friends"}, "Choose a value"),
    ("users", {"watch": "users", "users": ""}, "usernames"),
    ("users", {"watch": "users", "users": "nobody@acme.test"}, "nobody@acme.test"),
    ("recipients", {"recipients": "not-an-address"}, "not-an-address"),
    ("recipients", {"recipients": " ".join(f"u{n}@acme.test" for n in range(11))}, "at most 10"),
    ("name_part", {"name_part": "a\x00b"}, "control characters"),
])
def test_each_refused_value_is_named_with_a_precise_message(admin, field, changes, message):
    assert message in refused(admin, field, **changes)


def test_names_are_unique_among_rules_not_deleted(admin):
    rule = alert_rules.create_rule(admin, values())
    assert "already exists" in refused(admin, "name", name="usb COPIES")
    alert_rules.delete_rule(admin, rule)
    again = alert_rules.create_rule(admin, values())
    assert again.id != rule.id and db.session.get(AlertRule, rule.id).deleted_at is not None


def test_a_rule_watches_chosen_users_by_username(admin, world):
    rule = alert_rules.create_rule(admin, values(watch="users", users="user@acme.test\nSELLER@acme.test"))
    assert sorted(u.id for u in rule.users) == sorted([world["user"], world["seller"]])
    alert_rules.update_rule(admin, rule, values(watch="everyone"))
    assert rule.users == []


def test_edits_enabling_and_deleting_are_audited(admin):
    rule = alert_rules.create_rule(admin, values())
    alert_rules.update_rule(admin, rule, values(threshold="30"))
    alert_rules.set_enabled(admin, rule, False)
    alert_rules.set_enabled(admin, rule, True)
    alert_rules.delete_rule(admin, rule)
    kinds = db.session.scalars(select(AuditEvent.event_type).where(AuditEvent.object_id == str(rule.id))
                               .order_by(AuditEvent.id)).all()
    assert kinds == ["alert_rule.create", "alert_rule.update", "alert_rule.disable", "alert_rule.enable",
                     "alert_rule.delete"]
    update = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "alert_rule.update"))
    assert update.details["changes"]["threshold"] == [20, 30]


def test_rules_and_alerts_sort_by_how_severe_not_by_the_word(admin):
    from webconsole.domain.listings import catalog
    from webconsole.models import Alert
    from webconsole.models.base import utcnow

    for severity in ("medium", "critical", "low", "high"):
        rule = alert_rules.create_rule(admin, values(name=f"Rule {severity}", severity=severity))
        db.session.add(Alert(rule_id=rule.id, username="u@acme.test", name=rule.name, severity=severity,
                             vector=rule.vector, state="open", file_count=21, total_bytes=1, first_event_at=utcnow(),
                             last_event_at=utcnow(), threshold_kind="files", threshold=20, window_amount=1,
                             window_unit="hours"))
    db.session.commit()
    me = admin  # a Cloud Admin: every rule, and the alerts of every org
    for listing in (catalog.ALERT_RULES, catalog.ALERTS):
        for direction, expected in (("asc", ["low", "medium", "high", "critical"]),
                                    ("desc", ["critical", "high", "medium", "low"])):
            params = listing.params(sort="severity", dir=direction)
            first = listing.page(me, params, limit=2)
            following = listing.page(me, params, limit=2, after=first.next).rows
            rows = first.rows
            assert [r.severity for r in rows + following] == expected
