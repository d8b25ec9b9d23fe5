"""An investigator in Forensic Search: filter rows, event details, a pivot on the hash, saving and reopening,
choosing columns."""
import csv
import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from webconsole.domain import events
from webconsole.extensions import db
from webconsole.models import Device, User
from webconsole.models.base import utcnow

SHA = "b" * 64


@pytest.fixture(scope="module")
def usb_copies(live_app):
    """Events of the demo end user: two USB copies this week, one cloud-sync copy, one USB copy long ago."""
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "user@example.com"))
        device = db.session.scalar(select(Device).where(Device.user_id == user.id))
        now = utcnow()

        def raw(name, days, **extra):
            return {"eventId": str(uuid.uuid4()), "eventType": "CREATED", "fileName": name,
                    "filePath": "/media/KINGSTON/", "eventTimestamp": (now - timedelta(days=days)).isoformat() + "Z",
                    "sha256Checksum": SHA if name == "roadmap.pdf" else "c" * 64, **extra}
        usb = {"exposure": ["RemovableMedia"], "removableMediaVolumeName": "KINGSTON"}
        rows = [raw("roadmap.pdf", 1, **usb), raw("salaries.xlsx", 2, **usb),
                raw("synced.docx", 1, exposure=["CloudStorage"], syncDestination="Dropbox"),
                raw("ancient.zip", 60, **usb)]
        events.store([events.parse_event(r) for r in rows], "browser-test", {
            "device_id": device.id, "user_id": user.id, "org_id": user.org_id, "username": user.username,
            "hostname": device.hostname})


def choose_field(page, n, field):
    """Pick filter n's field, which re-renders the form with its operators and value (once console.js, loaded
    after the page, listens for the change: a choice made before then would do nothing)."""
    page.wait_for_load_state()
    page.get_by_label(f"Filter {n}: field").select_option(field)
    expect(page.get_by_label(f"Filter {n}: operator")).to_be_visible()


def result_names(page):
    # The fourth cell: after the row's checkbox (an investigator who opens cases has them), the time and the event.
    return page.locator("#list-forensic_search tbody tr:not(.list-end) td:nth-child(4)").all_inner_texts()


def test_investigator_narrows_pivots_saves_and_reopens(page, sign_in, base_url, usb_copies):
    sign_in("analyst@example.com")
    page.get_by_role("link", name="Forensic Search", exact=True).click()
    choose_field(page, 1, "deviceUserName")
    page.get_by_label("Filter 1: value").fill("user@example.com")
    page.get_by_role("button", name="Search", exact=True).click()
    choose_field(page, 2, "exposure")
    page.get_by_label("Filter 2: value").select_option("RemovableMedia")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"f2=exposure"))
    assert sorted(result_names(page)) == ["roadmap.pdf", "salaries.xlsx"]  # the last 30 days only

    page.locator("#list-forensic_search tbody tr", has_text="roadmap.pdf").locator("a").first.click()
    panel = page.locator("#event-panel")
    expect(panel.get_by_role("heading", name="roadmap.pdf")).to_be_visible()
    expect(panel).to_contain_text("KINGSTON")
    panel.get_by_role("link", name=f"Search for {SHA}").click()
    expect(page).to_have_url(re.compile(rf"v3={SHA}"))
    assert result_names(page) == ["roadmap.pdf"]

    page.get_by_label("Save this search as").fill("Una's USB copies")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Search saved as")).to_be_visible()
    export = page.get_by_role("link", name="Export CSV")
    assert SHA in export.get_attribute("href")

    page.goto(base_url + "/forensic-search/")
    page.get_by_role("link", name=re.compile("^Saved searches")).click()
    page.get_by_role("link", name="Una's USB copies", exact=True).click()
    expect(page).to_have_url(re.compile(rf"v3={SHA}"))
    assert result_names(page) == ["roadmap.pdf"]


def headings(page):
    """The list's column headings, less the rows' checkboxes (not a column of the export)."""
    texts = [t.strip() for t in page.locator("#list-forensic_search thead th").all_inner_texts()]
    return [t for t in texts if t != "Select"]


def test_columns_are_chosen_with_the_keyboard_kept_exported_and_reset(page, sign_in, base_url, usb_copies):
    sign_in("admin@example.com")
    page.goto(base_url + "/forensic-search/?range=P7D&f1=deviceUserName&v1=user%40example.com")
    assert "Exposure" in headings(page) and "Removable media volume" not in headings(page)
    chooser = page.locator(".column-chooser")
    chooser.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(chooser.get_by_label("Removable media volume")).to_be_visible()
    chooser.get_by_label("Removable media volume").press("Space")
    chooser.get_by_label("Exposure").press("Space")
    chooser.get_by_role("button", name="Apply").press("Enter")
    expect(page.locator("#list-forensic_search thead")).to_contain_text("Removable media volume")
    assert "Exposure" not in headings(page)
    expect(page).to_have_url(re.compile(r"f1=deviceUserName"))  # back on the same search
    roadmap = page.locator("#list-forensic_search tbody tr", has_text="roadmap.pdf")
    expect(roadmap).to_contain_text("KINGSTON")

    page.reload()  # kept on the server
    assert "Removable media volume" in headings(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        assert next(csv.reader(exported)) == headings(page)
    expect(page.locator("#export-status")).to_contain_text("Export finished: 3 events.")

    page.locator(".column-chooser summary").click()
    page.get_by_role("button", name="Default columns").click()
    expect(page.locator("#list-forensic_search thead")).to_contain_text("Exposure")
    assert "Removable media volume" not in headings(page)
