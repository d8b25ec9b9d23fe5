"""The agent protocol's file-event upload: validated whole, stored once, acknowledged after commit."""
import uuid

import pytest
from sqlalchemy import func, select

from tests.blueprints.test_agent_api import API, auth, register
from webconsole.domain import events
from webconsole.extensions import db
from webconsole.models import Device, FileEvent

MD5 = "9e107d9d372bb6826bd81d3542a419d6"
SHA = "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"


def event(**changes):
    return {"eventId": str(uuid.uuid4()), "eventType": "CREATED", "eventTimestamp": "2026-11-25T10:04:31.120Z",
            "fileName": "q3-forecast.xlsx", "filePath": "/home/una/Dropbox/finance/", "fileSize": 48213,
            "fileOwner": "una", "fileCategory": "Spreadsheet", "md5Checksum": MD5, "sha256Checksum": SHA,
            "exposure": ["CloudStorage"], "syncDestination": "Dropbox", **changes}


@pytest.fixture
def agent(app, client, world):
    return auth(register(client, app, world).get_json())


def count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(FileEvent))


def test_a_batch_is_stored_with_the_devices_identity(app, client, agent):
    batch = [event(), event(eventType="DELETED", fileName="old.txt", md5Checksum=None, sha256Checksum=None,
                            fileSize=None, exposure=[], syncDestination=None,
                            osHostName="spoofed", deviceUserName="someone@else.test")]
    response = client.post(f"{API}/file-events", json={"events": batch}, headers=agent)
    assert response.status_code == 200
    assert response.get_json() == {"received": 2, "stored": 2, "duplicates": 0}
    with app.app_context():
        stored = db.session.scalars(select(FileEvent).order_by(FileEvent.id)).all()
        device = db.session.scalar(select(Device).where(Device.hostname == "una-laptop"))
        assert [e.event_type for e in stored] == ["CREATED", "DELETED"]
        assert stored[0].exposure == events.EXPOSURE_BITS["CloudStorage"] and stored[0].sync_destination == "Dropbox"
        assert stored[0].md5 == MD5 and stored[0].file_size == 48213
        assert stored[0].event_at.isoformat() == "2026-11-25T10:04:31.120000"
        for e in stored:
            assert (e.device_id, e.user_id, e.org_id) == (device.id, device.user_id, device.org_id)
            assert e.hostname == "una-laptop" and e.username == "user@acme.test" and e.origin == f"d{device.id}"


def test_a_resent_batch_adds_nothing(app, client, agent):
    batch = [event() for _ in range(3)]
    client.post(f"{API}/file-events", json={"events": batch}, headers=agent)
    again = client.post(f"{API}/file-events", json={"events": batch + [event()]}, headers=agent)
    assert again.get_json() == {"received": 4, "stored": 1, "duplicates": 3}
    assert count(app) == 4


def test_an_event_twice_in_one_batch_is_stored_once(app, client, agent):
    twice = event()
    answer = client.post(f"{API}/file-events", json={"events": [twice, event(), twice]}, headers=agent).get_json()
    assert answer == {"received": 3, "stored": 2, "duplicates": 1}
    assert count(app) == 2


def test_the_same_event_id_from_another_device_is_its_own_event(app, client, world, agent):
    other = auth(register(client, app, world, hostname="second-laptop").get_json())
    shared = event()
    client.post(f"{API}/file-events", json={"events": [shared]}, headers=agent)
    assert client.post(f"{API}/file-events", json={"events": [shared]}, headers=other).get_json()["stored"] == 1


@pytest.mark.parametrize("changes, field", [
    ({"md5Checksum": "xyz"}, "md5Checksum"),
    ({"sha256Checksum": MD5}, "sha256Checksum"),
    ({"eventType": "COPIED"}, "eventType"),
    ({"eventTimestamp": "yesterday"}, "eventTimestamp"),
    ({"fileName": ""}, "fileName"),
    ({"fileName": "a\x00b"}, "fileName"),
    ({"fileSize": -1}, "fileSize"),
    ({"exposure": ["Teleport"]}, "exposure[0]"),
    ({"eventId": "no spaces allowed"}, "eventId"),
    ({"tabUrls": "http://x"}, "tabUrls"),
    ({"fileName": "lone \ud800 surrogate"}, "fileName"),
    ({"emailRecipients": ["\udfff@x.test"]}, "emailRecipients[0]"),
])
def test_a_bad_event_names_itself_and_nothing_of_the_batch_is_stored(app, client, agent, changes, field):
    bad = event(**changes)
    response = client.post(f"{API}/file-events", json={"events": [event(), event(), bad]}, headers=agent)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_field" and error["field"] == f"events[2].{field}"
    assert error["message"].startswith(f"events[2].{field}")
    assert error["eventId"] == bad["eventId"]
    assert count(app) == 0


def test_batch_limits_and_shapes(app, client, agent):
    too_many = [event() for _ in range(events.BATCH_LIMIT + 1)]
    response = client.post(f"{API}/file-events", json={"events": too_many}, headers=agent)
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "batch_too_large"
    assert client.post(f"{API}/file-events", json={}, headers=agent).get_json()["error"]["field"] == "events"
    assert client.post(f"{API}/file-events", json={"events": "x"}, headers=agent).status_code == 400
    response = client.post(f"{API}/file-events", json={"events": [event(), "x"]}, headers=agent)
    assert response.get_json()["error"]["field"] == "events[1]"
    assert client.post(f"{API}/file-events", json={"events": [event()]}).status_code == 401
    assert count(app) == 0


def test_hostile_names_are_stored_as_given(app, client, agent):
    hostile = "<script>alert(1)</script>\u202e=cmd|' /C calc'!A0\"\n.txt"
    response = client.post(f"{API}/file-events", json={"events": [event(fileName=hostile)]}, headers=agent)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(FileEvent.file_name)) == hostile
