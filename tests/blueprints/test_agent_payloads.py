"""Hostile JSON at the machine doors (agent API, data-connection ingest): a 400 naming the field, never a 500,
and nothing stored."""
import json

import pytest
from sqlalchemy import func, select

from tests.blueprints.test_agent_api import API, auth, register
from tests.blueprints.test_data_connections import create, event, secadmin  # noqa: F401 (a fixture)
from webconsole.extensions import db
from webconsole.models import BackupState, DataConnection, Destination, Device, FileEvent

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"events": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.fixture
def device(app, client, world):
    return auth(register(client, app, world).get_json())


def refused(response, code="invalid_field", field=None, status=400):
    """The JSON error of a refused request, after checking its status, code and field."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error.get("field") == field, error
    return error


@pytest.mark.parametrize("changes, field", [
    ({"password": 123456}, "password"),
    ({"hostname": ["una-laptop"]}, "hostname"),
    ({"username": {"$ne": ""}}, "username"),
    ({"os": None}, "os"),
    ({"agent_version": "1.0\x00"}, "agent_version"),
    ({"name": "x" * 256}, "name"),
    ({"password": "p" * 1025}, "password"),
])
def test_registration_values_of_the_wrong_type_or_size_name_the_field(app, client, world, changes, field):
    error = refused(register(client, app, world, **changes), field=field)
    assert error["message"].startswith(field)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device).where(Device.hostname == "una-laptop")) == 0


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, '{"password": NaN}', "[1, 2]", '"text"', "{", "\xff"])
def test_bodies_that_are_not_a_json_object_are_refused_at_every_agent_address(client, device, body):
    for path in ("/register", "/heartbeat", "/file-events"):
        response = client.post(f"{API}{path}", data=body, headers={**device, "Content-Type": "application/json"})
        refused(response, code="invalid_body")


def report(app, **values):
    with app.app_context():
        cloud = Destination(name="Cloud", kind="cloud")
        db.session.add(cloud)
        db.session.commit()
        return {"backup": [{"destination_guid": cloud.guid, **values}]}


@pytest.mark.parametrize("values, field", [
    ({"selected_bytes": 2**64}, "backup[0].selected_bytes"),
    ({"selected_files": -1}, "backup[0].selected_files"),
    ({"selected_files": True}, "backup[0].selected_files"),
    ({"archive_bytes": 1.5}, "backup[0].archive_bytes"),
    ({"percent_complete": "100"}, "backup[0].percent_complete"),
    ({"last_backup": "9999-12-31T23:59:59-05:00"}, "backup[0].last_backup"),
    ({"last_backup": "0001-01-01T00:30:00+01:00"}, "backup[0].last_backup"),
    ({"last_backup": 1700000000}, "backup[0].last_backup"),
    ({"destination_guid": 17}, "backup[0].destination_guid"),
])
def test_a_heartbeats_values_are_checked_before_anything_changes(app, client, device, values, field):
    body = report(app, **values)
    error = refused(client.post(f"{API}/heartbeat", json=body, headers=device), field=field)
    assert error["message"].startswith(field)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BackupState)) == 0


def test_numbers_beyond_a_float_are_refused_not_infinite(app, client, device):
    body = json.dumps(report(app, percent_complete=12345)).replace("12345", "1e400")
    refused(client.post(f"{API}/heartbeat", data=body, headers={**device, "Content-Type": "application/json"}),
            field="backup[0].percent_complete")


def test_a_heartbeat_at_the_calendars_edges_is_stored(app, client, device):
    body = report(app, last_backup="9999-12-31T23:59:59Z", last_completed_backup="0001-01-01T00:00:00Z")
    assert client.post(f"{API}/heartbeat", json=body, headers=device).status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"agent_version": ["1.0"]}, "agent_version"),
    ({"os_version": "Debian\x00"}, "os_version"),
    ({"backup": [{}] * 51}, "backup"),
    ({"backup": "all"}, "backup"),
    ({"backup": ["x"]}, "backup[0]"),
])
def test_a_heartbeats_texts_and_lists_are_typed(client, device, body, field):
    refused(client.post(f"{API}/heartbeat", json=body, headers=device), field=field)


def test_command_results_are_typed(app, client, device):
    refused(client.post(f"{API}/commands/1/result", json={"exit_status": 2**63}, headers=device),
            field="exit_status")
    refused(client.post(f"{API}/commands/1/result", json={"output": 12}, headers=device), field="output")


def test_the_file_event_envelope_is_typed(app, client, device):
    refused(client.post(f"{API}/file-events", json={}, headers=device), code="missing_field", field="events")
    refused(client.post(f"{API}/file-events", json={"events": {"0": {}}}, headers=device), field="events")
    nested = {"events": [{"eventId": "a", "tabUrls": [[[["deep"]]]]}]}
    refused(client.post(f"{API}/file-events", json=nested, headers=device), field="events[0].tabUrls[0]")


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, '{"events": [Infinity]}', '{"events": {}}', "null"])
def test_the_ingest_door_refuses_what_is_not_an_events_list(app, client, secadmin, body):  # noqa: F811
    connection_id, path, token = create(client)
    response = client.post(path, data=body, headers={"Authorization": f"Bearer {token}"})
    refused(response, code="invalid_request")
    with app.app_context():
        assert db.session.get(DataConnection, connection_id).events_rejected == 1
        assert db.session.scalar(select(func.count()).select_from(FileEvent)) == 0


def test_the_ingest_door_still_takes_json_labelled_otherwise(client, secadmin):  # noqa: F811
    _id, path, token = create(client)
    response = client.post(path, data=json.dumps({"events": [event()]}),
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"})
    assert response.get_json()["stored"] == 1
