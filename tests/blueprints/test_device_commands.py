from datetime import timedelta

from sqlalchemy import select

from tests.conftest import HX
from webconsole.extensions import db
from webconsole.models import AuditEvent, Device, DeviceCommand
from webconsole.models.base import utcnow


def online(app, device_id, when=None):
    with app.app_context():
        db.session.get(Device, device_id).last_connected = when or utcnow()
        db.session.commit()


def test_a_command_reaches_an_online_device_and_its_output_comes_back(app, client, sign_in, world):
    online(app, world["user_laptop"])
    sign_in("admin@acme.test")
    page = client.get(f"/devices/{world['user_laptop']}").get_data(as_text=True)
    assert 'id="command-panel"' in page and "Online" in page
    response = client.post(f"/devices/{world['user_laptop']}/commands", data={"command": "version"}, headers=HX)
    assert response.status_code == 200 and 'hx-trigger="every 1s"' in response.get_data(as_text=True)
    with app.app_context():
        command = db.session.scalar(select(DeviceCommand))
        command.status, command.output = "done", "webconsole-agent 1.0.1 <b>"
        db.session.commit()
        command_id = command.id
        assert db.session.scalar(select(AuditEvent.details).where(AuditEvent.event_type == "device.command")) \
            == {"command": "version"}
    html = client.get(f"/devices/{world['user_laptop']}/commands/{command_id}", headers=HX).get_data(as_text=True)
    assert "webconsole-agent 1.0.1 &lt;b&gt;" in html and "every 1s" not in html


def test_unknown_commands_and_offline_devices_are_refused(app, client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post(f"/devices/{world['user_laptop']}/commands", data={"command": "status"}, headers=HX)
    assert response.status_code == 422 and "not online" in response.get_data(as_text=True)
    online(app, world["user_laptop"])
    response = client.post(f"/devices/{world['user_laptop']}/commands", data={"command": "rm -rf /"}, headers=HX)
    assert response.status_code == 422 and "Unknown command" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(DeviceCommand)) is None


def test_an_unanswered_command_times_out(app, client, sign_in, world):
    online(app, world["user_laptop"])
    sign_in("admin@acme.test")
    client.post(f"/devices/{world['user_laptop']}/commands", data={"command": "scan"}, headers=HX)
    with app.app_context():
        command = db.session.scalar(select(DeviceCommand))
        command.created_at -= timedelta(minutes=10)
        db.session.commit()
        command_id = command.id
    html = client.get(f"/devices/{world['user_laptop']}/commands/{command_id}", headers=HX).get_data(as_text=True)
    assert "did not answer in time" in html


def test_only_device_editors_in_scope_may_send(app, client, sign_in, world):
    online(app, world["seller_laptop"])
    sign_in("helpdesk@acme.test")
    assert client.post(f"/devices/{world['seller_laptop']}/commands", data={"command": "status"}).status_code == 403
    sign_in("orgadmin@acme.test")
    assert client.post(f"/devices/{world['seller_laptop']}/commands", data={"command": "status"}).status_code == 404
