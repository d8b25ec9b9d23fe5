"""An investigator opens a case from a user's selected Forensic Search events, writes findings, closes it
and exports it."""
import io
import uuid
import zipfile
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from webconsole.domain import events
from webconsole.extensions import db
from webconsole.jobs.queue import huey
from webconsole.models import Device, User
from webconsole.models.base import utcnow


@pytest.fixture
def copies(live_app):
    """Three USB copies of a demo user's this week, under file names no other test uses."""
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "user@example.com"))
        device = db.session.scalar(select(Device).where(Device.user_id == user.id))
        rows = [{"eventId": str(uuid.uuid4()), "eventType": "CREATED", "fileName": name, "filePath": "/media/USB/",
                 "eventTimestamp": (utcnow() - timedelta(hours=n + 1)).isoformat() + "Z",
                 "exposure": ["RemovableMedia"], "removableMediaVolumeName": "USB"}
                for n, name in enumerate(("case-board-pack.pdf", "case-payroll.xlsx", "case-holiday.jpg"))]
        events.store([events.parse_event(r) for r in rows], "browser-cases", {
            "device_id": device.id, "user_id": user.id, "org_id": user.org_id, "username": user.username,
            "hostname": device.hostname})


@pytest.fixture
def jobs_at_once(live_app, tmp_path):
    """Jobs run in the request that starts them (no worker runs beside the browser tests)."""
    live_app.config["JOBS_FOLDER"] = str(tmp_path)
    before, huey.immediate = huey.immediate, True
    yield
    huey.immediate = before


def test_a_case_from_selected_events_is_written_closed_and_exported(page, sign_in, base_url, copies, jobs_at_once):
    sign_in("analyst@example.com")
    page.goto(base_url + "/forensic-search/?range=P7D&f1=fileName&o1=starts_with&v1=case-")
    rows = page.locator("#list-forensic_search tbody tr")
    expect(rows).to_have_count(4)  # three events and the end of the list
    for name in ("case-board-pack.pdf", "case-payroll.xlsx"):
        rows.filter(has_text=name).get_by_role("checkbox").check()
    page.get_by_role("button", name="Open case with selected").click()

    expect(page.get_by_text("2 file events will be attached.")).to_be_visible()
    expect(page.get_by_label("Subject (username)")).to_have_value("user@example.com")
    page.get_by_label("Name", exact=True).fill("Board pack on USB")
    page.get_by_role("button", name="Open case").click()
    expect(page.get_by_text("Case “Board pack on USB” opened.")).to_be_visible()
    events_table = page.locator(".events-table")
    expect(events_table).to_contain_text("case-board-pack.pdf")
    expect(events_table).not_to_contain_text("case-holiday.jpg")

    page.get_by_label("Findings").fill("Board pack copied to a personal USB drive the day before leaving.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Case saved.")).to_be_visible()
    page.get_by_role("button", name="Close case").click()
    expect(page.get_by_text("Case closed.")).to_be_visible()
    expect(page.get_by_role("button", name="Reopen case")).to_be_visible()

    page.get_by_role("button", name="Export case").click()
    link = page.get_by_role("link", name="Download")
    expect(link.first).to_be_visible()
    with page.expect_download() as download:
        link.first.click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    assert "Board pack copied" in archive.read("findings.txt").decode()
    assert "case-payroll.xlsx" in archive.read("events.csv").decode("utf-8-sig")

    page.get_by_role("navigation").get_by_role("link", name="Cases").click()
    expect(page.locator("#list-cases tbody")).to_contain_text("Board pack on USB")
