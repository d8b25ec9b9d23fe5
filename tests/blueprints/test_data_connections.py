"""Data Connections in the console, and their ingest door: a URL and token each, events as their source."""
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import HX
from webconsole.extensions import db
from webconsole.models import AuditEvent, DataConnection, FileEvent, IngestError
from webconsole.models.base import utcnow

HOSTILE = '<script>alert(1)</script>"\'&'


def event(**changes):
    return {"eventId": str(uuid.uuid4()), "eventType": "EMAILED",
            "eventTimestamp": (utcnow() - timedelta(days=1)).isoformat() + "Z",
            "fileName": "prices.xlsx", "filePath": "/attachments/", "deviceUserName": "user@acme.test",
            "emailSubject": "Q4", "emailRecipients": ["buyer@rival.test"], **changes}


@pytest.fixture
def secadmin(world, make_user, sign_in):
    make_user("secadmin@acme.test", "security_admin", world["root"])
    sign_in("secadmin@acme.test")


def create(client, name="Acme Mail", kind="microsoft365", description=""):
    """Add a connection through the form; (connection id, ingest path, token) read off the page."""
    response = client.post("/data-connections/new", data={"name": name, "kind": kind, "description": description})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    token = re.search(r'id="connection-token">([^<]+)<', html).group(1)
    url = re.search(r'id="ingest-url">([^<]+)<', html).group(1)
    path = url.split("localhost", 1)[1]
    connection_id = int(re.search(r'/data-connections/(\d+)/token', html).group(1))
    return connection_id, path, token


def post(client, path, token, body):
    return client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})


def test_a_connection_is_added_and_its_token_shown_once(client, secadmin, app):
    connection_id, path, token = create(client)
    assert path.startswith("/api/connections/v1/") and path.endswith("/events")
    page = client.get(f"/data-connections/{connection_id}").get_data(as_text=True)
    assert token not in page and f"…{token[-4:]}" in page
    assert "Acme Mail" in client.get("/data-connections/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.event_type).where(AuditEvent.object_id == str(connection_id))) \
            == "connection.create"


def test_events_posted_with_the_token_are_stored_with_the_connection_as_source(client, secadmin, app):
    connection_id, path, token = create(client)
    response = post(client, path, token, {"events": [event(), event(eventTimestamp="yesterday")]})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid_events", "events[1].eventTimestamp")
    assert error["rejected"][0]["message"] == "eventTimestamp must be an ISO 8601 time"
    response = post(client, path, token, {"events": [event()]})
    assert response.get_json() == {"received": 1, "stored": 1, "duplicates": 0}
    with app.app_context():
        stored = db.session.scalars(select(FileEvent)).one()
        db.session.expunge(stored)
        assert (stored.source, stored.origin) == ("Office365", f"c{connection_id}")
    page = client.get(f"/data-connections/{connection_id}").get_data(as_text=True)
    assert "events[1].eventTimestamp: eventTimestamp must be an ISO 8601 time" in page
    # The connection's events are a click away in Forensic Search, with the source named.
    search = client.get("/forensic-search/?range=P90D&f1=source&o1=is&v1=Office365").get_data(as_text=True)
    assert "prices.xlsx" in search
    details = client.get(f"/forensic-search/events/{stored.id}").get_data(as_text=True)
    assert "Microsoft 365" in details and "Acme Mail" in details


@pytest.mark.parametrize("headers, status", [({}, 401), ({"Authorization": "Bearer wcdc_wrong"}, 401),
                                             ({"Authorization": "Basic abc"}, 401)])
def test_a_missing_or_wrong_token_is_refused(client, secadmin, headers, status):
    _id, path, _token = create(client)
    response = client.post(path, json={"events": [event()]}, headers=headers)
    assert response.status_code == status and response.get_json()["error"]["code"] == "unauthorized"


def test_an_unknown_connection_is_not_found(client):
    response = client.post("/api/connections/v1/deadbeef/events", json={"events": []},
                           headers={"Authorization": "Bearer x"})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_a_body_that_is_not_json_gets_a_precise_error(client, secadmin):
    _id, path, token = create(client)
    response = client.post(path, data=b"\xff{not json", headers={"Authorization": f"Bearer {token}",
                                                                  "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": "invalid_request",
                                            "message": 'the body must be a JSON object {"events": [...]}'}


def test_pause_resume_and_remove(client, secadmin, app):
    connection_id, path, token = create(client)
    client.post(f"/data-connections/{connection_id}/pause")
    assert post(client, path, token, {"events": [event()]}).status_code == 409
    assert "Paused" in client.get(f"/data-connections/{connection_id}").get_data(as_text=True)
    client.post(f"/data-connections/{connection_id}/resume")
    assert post(client, path, token, {"events": [event()]}).status_code == 200
    assert "stop working for good" in client.get(f"/data-connections/{connection_id}/remove").get_data(as_text=True)
    response = client.post(f"/data-connections/{connection_id}/remove", follow_redirects=True)
    assert "removed" in response.get_data(as_text=True)
    assert post(client, path, token, {"events": [event()]}).status_code == 404
    assert "Acme Mail" not in client.get("/data-connections/", headers=HX).get_data(as_text=True)
    assert "Acme Mail" in client.get("/data-connections/?status=removed", headers=HX).get_data(as_text=True)
    with app.app_context():
        kinds = db.session.scalars(select(AuditEvent.event_type).where(
            AuditEvent.object_type == "data_connection").order_by(AuditEvent.id)).all()
    assert kinds == ["connection.create", "connection.pause", "connection.resume", "connection.remove"]


def test_replacing_the_token_in_place_shows_the_new_one_once(client, secadmin):
    connection_id, path, old = create(client)
    response = client.post(f"/data-connections/{connection_id}/token", headers=HX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card" id="connection-access">')
    new = re.search(r'id="connection-token">([^<]+)<', html).group(1)
    assert new != old
    assert post(client, path, old, {"events": [event()]}).status_code == 401
    assert post(client, path, new, {"events": [event()]}).status_code == 200


def test_a_bad_form_is_answered_next_to_the_field(client, secadmin):
    create(client, name="Taken")
    response = client.post("/data-connections/new", data={"name": "taken", "kind": "webhook"})
    assert response.status_code == 422
    assert "A data connection with this name already exists." in response.get_data(as_text=True)
    response = client.post("/data-connections/new", data={"name": "Fine name", "kind": "ftp"})
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)


def test_names_from_the_form_are_shown_as_text(client, secadmin):
    connection_id, _path, _token = create(client, name=HOSTILE, description=HOSTILE)
    for url in ("/data-connections/", f"/data-connections/{connection_id}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_editing_saves_and_audits(client, secadmin, app):
    connection_id, _path, _token = create(client)
    response = client.post(f"/data-connections/{connection_id}", data={"name": "Acme Exchange",
                                                                        "description": "Tenant acme"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(DataConnection, connection_id).name == "Acme Exchange"


@pytest.mark.parametrize("username", ["orgadmin@acme.test", "helpdesk@acme.test", "user@acme.test"])
def test_only_holders_of_the_permission_reach_data_connections(client, sign_in, world, username):
    sign_in(username)
    assert client.get("/data-connections/").status_code == 403
    assert client.post("/data-connections/new", data={"name": "Nope", "kind": "webhook"}).status_code == 403


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wcdc_wrong"}, {"Authorization": "Basic abc"}])
def test_a_request_without_the_right_token_changes_nothing(client, secadmin, app, headers):
    """Anyone who knows a connection's address must not be able to fill its error list or its counts."""
    connection_id, path, _token = create(client)
    for body in ({"events": [event()]}, {"events": [event(eventTimestamp="bad")]}, {"events": "x"}):
        assert client.post(path, json=body, headers=headers).status_code == 401
    with app.app_context():
        connection = db.session.get(DataConnection, connection_id)
        assert (connection.events_received, connection.events_rejected, connection.last_event_at) == (0, 0, None)
        assert db.session.scalar(select(func.count()).select_from(IngestError)) == 0
        assert db.session.scalar(select(func.count()).select_from(FileEvent)) == 0
