"""Refused access is audited (rate-limited per actor or address) and the Audit Log filters it."""
from sqlalchemy import select

from tests.conftest import PASSWORD
from webconsole.domain import audit
from webconsole.extensions import db
from webconsole.models import AuditEvent, DataConnection

API = "/api/agent/v1"


def refusals(app):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == "access.refused")
                                  .order_by(AuditEvent.id)).all()


def test_writes_refused_for_scope_or_permission_are_recorded(app, client, sign_in, world):
    sign_in("orgadmin@acme.test")
    assert client.post(f"/orgs/{world['sales']}/edit", data={"name": "Mine now"}).status_code == 404
    assert client.get("/console/").status_code in (403, 404)  # reading is not recorded
    sign_in("helpdesk@acme.test", client=(helpdesk := app.test_client()))
    assert helpdesk.post("/users/new", data={"username": "x@acme.test"}).status_code == 403
    first, second = refusals(app)
    assert (first.actor_username, first.details["kind"], first.details["status"]) == ("orgadmin@acme.test",
                                                                                      "scope", 404)
    assert first.details["path"] == f"/orgs/{world['sales']}/edit" and first.details["method"] == "POST"
    assert (second.actor_username, second.details["kind"]) == ("helpdesk@acme.test", "permission")


def test_a_csrf_failure_is_recorded_with_its_address(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/auth/signin", data={"username": "admin@acme.test", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "203.0.113.50"})
    assert response.status_code == 400
    [event] = refusals(app)
    assert (event.address, event.details["kind"], event.actor_username) == ("203.0.113.50", "csrf", "")


def test_a_bad_agent_credential_is_recorded(app, client, world):
    headers = {"Authorization": "Device 123456:not-the-secret"}
    response = client.post(f"{API}/heartbeat", json={}, headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert response.status_code == 401
    [event] = refusals(app)
    assert (event.address, event.details["kind"]) == ("198.51.100.9", "agent_credential")
    assert event.object_id == "123456"


def test_a_flood_of_refusals_is_recorded_only_up_to_a_limit_per_minute(app, world):
    with app.app_context():
        for _ in range(audit.REFUSALS_PER_MINUTE + 30):
            audit.record_refusal("agent_credential", address="203.0.113.66")
        audit.record_refusal("agent_credential", address="203.0.113.67")
    events = refusals(app)
    flooded = [e for e in events if e.address == "203.0.113.66"]
    assert len(flooded) == audit.REFUSALS_PER_MINUTE
    assert flooded[-1].details.get("limited") is True  # says that later ones in the minute are not kept
    assert [e.address for e in events].count("203.0.113.67") == 1


def test_the_audit_log_filters_refusals(app, client, sign_in, world):
    with app.app_context():
        audit.record_refusal("agent_credential", address="203.0.113.70")
    sign_in("admin@acme.test")
    page = client.get("/audit/?event=access.refused").get_data(as_text=True)
    assert "203.0.113.70" in page and "Access refused" in page


def test_a_bad_data_connection_token_is_recorded(app, client, sign_in, world):
    sign_in("admin@acme.test")
    client.post("/data-connections/new", data={"name": "Drive", "kind": "webhook"})
    with app.app_context():

        connection = db.session.scalars(select(DataConnection)).one()
        key, connection_id = connection.key, connection.id
    response = client.post(f"/api/connections/v1/{key}/events", json={"events": []},
                           headers={"Authorization": "Bearer wcdc_wrong"}, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 401
    [event] = refusals(app)
    assert (event.address, event.details["kind"], event.object_id) == ("192.0.2.7", "ingest_credential",
                                                                       str(connection_id))
