"""The device command line as an administrator uses it."""
from playwright.sync_api import expect
from sqlalchemy import select

from webconsole.domain import agents
from webconsole.extensions import db
from webconsole.models import Device, DeviceCommand
from webconsole.models.base import utcnow


def test_double_click_the_os_mark_send_a_command_and_read_the_answer(page, sign_in, base_url, live_app):
    with live_app.app_context():
        device = db.session.scalars(select(Device).where(Device.status == "active").limit(1)).first()
        device.last_connected = utcnow()
        db.session.commit()
        device_id = device.id
    sign_in("admin@example.com")
    page.goto(f"{base_url}/devices/{device_id}")
    panel = page.locator("#command-panel")
    expect(panel).to_be_hidden()
    page.locator(".os-mark").dblclick()
    expect(panel).to_be_visible()
    expect(page.get_by_role("textbox", name="Command", exact=True)).to_be_focused()
    page.get_by_role("textbox", name="Command", exact=True).fill("version")
    page.get_by_role("button", name="Send").click()
    expect(panel.get_by_text("Waiting for the device")).to_be_visible()
    expect(page.get_by_role("textbox", name="Command", exact=True)).to_have_value("")
    # The device answers through the agent protocol's rules.
    with live_app.app_context():
        device = db.session.get(Device, device_id)
        command = db.session.scalars(select(DeviceCommand).where(DeviceCommand.device_id == device_id)).first()
        agents.record_command_result(device, command.id, "webconsole-agent 1.0.1", 0)
    expect(panel.locator(".command-output")).to_have_text("webconsole-agent 1.0.1")
    page.get_by_role("textbox", name="Command", exact=True).fill("format c:")
    page.get_by_role("textbox", name="Command", exact=True).press("Enter")
    expect(panel.get_by_role("alert")).to_contain_text("Unknown command")
