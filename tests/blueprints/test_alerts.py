"""Alerts and alert rules in the browser: rule forms, the alert list, triage, bulk changes, permissions."""
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import HX
from webconsole.domain import events
from webconsole.extensions import db
from webconsole.models import Alert, AlertChange, AlertRule, AuditEvent, Job, User
from webconsole.models.base import utcnow

HOSTILE = '<script>alert(1)</script>"\'&'
RULE = {"name": "USB copies", "severity": "high", "vector": "removable_media", "threshold_kind": "files",
        "threshold": "2", "window_amount": "1", "window_unit": "hours", "watch": "everyone"}


@pytest.fixture
def secadmin(world, make_user, sign_in):
    make_user("secadmin@acme.test", "security_admin", world["root"])
    sign_in("secadmin@acme.test")


def copies(app, world, n=3, who="user", name="plan.pdf"):
    """`n` copies to removable media by `who`, stored as an agent's batch."""
    at = utcnow() - timedelta(minutes=5)
    with app.app_context():
        user = db.session.get(User, world[who])
        items = [{"eventId": f"e-{uuid.uuid4().hex}", "eventType": "CREATED", "eventTimestamp": at.isoformat() + "Z",
                  "fileName": name, "filePath": "/media/usb/", "fileSize": 2048, "exposure": ["RemovableMedia"]}
                 for _ in range(n)]
        events.store(events.parse_batch(items), f"d{who}", {"user_id": user.id, "org_id": user.org_id,
                                                            "username": user.username})


def alert_ids(app):
    with app.app_context():
        return db.session.scalars(select(Alert.id).order_by(Alert.id)).all()


def test_a_rule_is_added_listed_toggled_edited_and_deleted(app, client, secadmin):
    response = client.post("/alerts/rules/new", data=RULE)
    assert response.status_code == 302
    page = client.get("/alerts/rules/").get_data(as_text=True)
    assert "USB copies" in page and "Removable media" in page
    rule_id = int(re.search(r'/alerts/rules/(\d+)"', page).group(1))
    toggle = client.post(f"/alerts/rules/{rule_id}/enabled", data={"enabled": "0"}, headers=HX)
    assert toggle.status_code == 200 and 'aria-pressed="false"' in toggle.get_data(as_text=True)
    edit = client.get(f"/alerts/rules/{rule_id}").get_data(as_text=True)
    assert 'value="USB copies"' in edit
    assert client.post(f"/alerts/rules/{rule_id}", data={**RULE, "threshold": "5"}).status_code == 302
    assert client.get(f"/alerts/rules/{rule_id}/delete").status_code == 200
    assert client.post(f"/alerts/rules/{rule_id}/delete").status_code == 302
    assert client.get(f"/alerts/rules/{rule_id}").status_code == 404
    with app.app_context():
        rule = db.session.get(AlertRule, rule_id)
        assert (rule.threshold, rule.enabled, rule.deleted_at is not None) == (5, False, True)


def test_refused_values_show_beside_their_fields(client, secadmin):
    response = client.post("/alerts/rules/new", data={**RULE, "threshold": "0", "name": HOSTILE})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a whole number from 1 to 1,000,000." in html and "<script>alert(1)" not in html
    response = client.post("/alerts/rules/new", data={**RULE, "watch": "users", "users": "nobody@acme.test"})
    assert response.status_code == 422 and "No user is named “nobody@acme.test”." in response.get_data(as_text=True)


def test_an_alert_is_listed_explained_triaged_and_resolved_with_a_note(app, client, secadmin, world):
    client.post("/alerts/rules/new", data=RULE)
    copies(app, world, 3, name=HOSTILE)
    [alert_id] = alert_ids(app)
    listing = client.get("/alerts/?state=open").get_data(as_text=True)
    assert f"/alerts/{alert_id}" in listing and "user@acme.test" in listing
    assert "USB copies" not in client.get("/alerts/?state=resolved").get_data(as_text=True).split("<tbody>")[1]
    page = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "3 files, 6 kB to removable media within 1 hour; threshold 2 files" in page.replace("\u00a0", " ")
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert "f1=eventId" in page and "f1=deviceUserName" in page
    response = client.post(f"/alerts/{alert_id}/state", data={"state": "resolved", "note": ""})
    assert response.status_code == 422 and "Say why you resolve the alert in a note." in response.get_data(as_text=True)
    with app.app_context():
        secadmin_id = db.session.scalar(select(User.id).where(User.username == "secadmin@acme.test"))
    assert client.post(f"/alerts/{alert_id}/assign", data={"assignee": str(secadmin_id)}).status_code == 302
    assert client.post(f"/alerts/{alert_id}/notes", data={"note": "Asked the manager"}).status_code == 302
    assert client.post(f"/alerts/{alert_id}/state", data={"state": "resolved", "note": "Approved"}).status_code == 302
    page = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "Approved" in page and "Asked the manager" in page
    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        assert (alert.state, alert.assignee_id) == ("resolved", secadmin_id)
        kinds = set(db.session.scalars(select(AuditEvent.event_type).where(AuditEvent.object_type == "alert")))
        assert kinds == {"alert.state", "alert.assign", "alert.note"}


def test_bulk_changes_the_selected_or_every_matching_alert(app, client, secadmin, world):
    client.post("/alerts/rules/new", data={**RULE, "threshold": "1"})
    for who in ("user", "seller", "user"):
        copies(app, world, 2, who=who)
    first, second, third = alert_ids(app)
    response = client.post("/alerts/bulk", data={"target": "selected", "alert": [str(first), "abc", "9" * 30],
                                                 "new_state": "pending"})
    assert response.status_code == 302
    assert client.post("/alerts/bulk", data={"target": "selected", "alert": [str(second)], "new_state": "resolved",
                                             "note": ""}).status_code == 302
    with app.app_context():
        assert [db.session.get(Alert, i).state for i in (first, second, third)] == ["pending", "open", "open"]
    assert client.post("/alerts/bulk", data={"target": "matching", "new_state": "open", "user": "x"}).status_code == 302
    client.post("/alerts/bulk", data={"target": "matching", "new_state": "in_progress", "user": str(world["user"])})
    with app.app_context():
        assert [db.session.get(Alert, i).state for i in (first, second, third)] == [
            "in_progress", "open", "in_progress"]
        assert db.session.scalar(select(AlertChange.id).where(AlertChange.alert_id == second,
                                                              AlertChange.kind == "state")) is None


def test_a_large_bulk_change_is_a_job(app, client, secadmin, world, monkeypatch):
    from webconsole.domain import alerts
    monkeypatch.setattr(alerts, "BULK_INLINE_MAX", 1)
    client.post("/alerts/rules/new", data={**RULE, "threshold": "1"})
    copies(app, world, 2, who="user")
    copies(app, world, 2, who="seller")
    response = client.post("/alerts/bulk", data={"target": "matching", "new_state": "pending"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    with app.app_context():
        job = db.session.scalar(select(Job).order_by(Job.id.desc()))
        assert job.kind == "alerts.bulk_state" and job.params["state"] == "pending"


@pytest.mark.parametrize("role", ["org_admin", "help_desk", "desktop_user"])
def test_roles_without_alert_permissions_are_refused_everywhere(app, client, world, make_user, sign_in, role):
    make_user(f"{role}@acme.test", role, world["root"])
    sign_in(f"{role}@acme.test")
    for url in ("/alerts/", "/alerts/rows", "/alerts/count", "/alerts/1", "/alerts/rules/", "/alerts/rules/new",
                "/alerts/rules/1"):
        assert client.get(url).status_code == 403, url
    for url in ("/alerts/1/state", "/alerts/1/assign", "/alerts/1/notes", "/alerts/bulk", "/alerts/rules/new",
                "/alerts/rules/1/enabled", "/alerts/rules/1/delete"):
        assert client.post(url, data={"state": "open"}).status_code == 403, url
    home = client.get("/account/profile").get_data(as_text=True)
    assert 'href="/alerts/' not in home


def test_an_analyst_triages_but_does_not_manage_rules(app, client, world, make_user, sign_in):
    make_user("analyst@acme.test", "insider_risk_analyst", world["root"])
    sign_in("analyst@acme.test")
    page = client.get("/alerts/").get_data(as_text=True)
    assert "Alerts" in page and "/alerts/rules/" not in page
    assert client.get("/alerts/rules/").status_code == 403


def test_hostile_list_parameters_are_answered_not_crashed(client, secadmin):
    for args in ("state=nope", "rule=%C2%B2", "rule=" + "9" * 40, "since=9999-12-31", "user=a%00b", "severity=x",
                 "watchlist=x", "sort=nope&dir=sideways", "cursor=abc"):
        assert client.get(f"/alerts/?{args}").status_code in (200, 400), args
    assert client.get("/alerts/rows?cursor=tampered", headers=HX).status_code == 400
    assert client.get("/alerts/" + "9" * 30).status_code == 404
