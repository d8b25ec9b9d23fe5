"""Risk Exposure: events by vector over a period, top users and categories, each a Forensic Search."""
import re
from html import unescape

import pytest

from tests.blueprints.test_file_event_upload import event
from tests.blueprints.test_forensic_search import at
from webconsole.domain import events
from webconsole.extensions import db
from webconsole.models import Device


@pytest.fixture
def exposures(app, world, make_user):
    make_user("analyst@acme.test", "security_admin", world["root"])
    with app.app_context():
        laptop = db.session.get(Device, world["user_laptop"])
        seller = db.session.get(Device, world["seller_laptop"])
        usb = {"exposure": ["RemovableMedia"], "syncDestination": None}
        rows = [
            (laptop, event(fileName="a.xlsx", fileSize=100, eventTimestamp=at(1), **usb)),
            (laptop, event(fileName="b.xlsx", fileSize=200, eventTimestamp=at(2), **usb)),
            (laptop, event(fileName="c.pdf", fileCategory="Pdf", fileSize=50, eventTimestamp=at(3))),  # cloud sync
            (seller, event(fileName="d.docx", fileCategory="Document", eventTimestamp=at(4), eventType="EMAILED",
                           exposure=[], syncDestination=None, emailRecipients=["x@rival.test"])),
            (seller, event(fileName="e.txt", eventTimestamp=at(2), exposure=[], syncDestination=None)),  # not exposed
            (laptop, event(fileName="old.xlsx", eventTimestamp=at(40), **usb)),
        ]
        for device, raw in rows:
            events.store([events.parse_event(raw)], f"d{device.id}", {
                "device_id": device.id, "user_id": device.user_id, "org_id": device.org_id,
                "username": device.user.username, "hostname": device.hostname})
    return world


def stat(html, label):
    match = re.search(rf'href="([^"]+)">\s*<span class="stat-label">{label}</span>\s*'
                      r'<span class="stat-value">([\d,]+)</span>', html)
    return unescape(match.group(1)), int(match.group(2).replace(",", ""))


def test_vectors_users_and_categories_click_through_to_matching_searches(client, sign_in, exposures):
    sign_in("analyst@acme.test")
    html = client.get("/risk-exposure/").get_data(as_text=True)
    removable_url, removable = stat(html, "Removable media")
    assert (removable, stat(html, "Cloud sync")[1], stat(html, "E-mail")[1], stat(html, "Cloud share")[1]) == \
        (2, 1, 1, 0)
    assert "f1=exposure&o1=is&v1=RemovableMedia" in removable_url and "range=P30D" in removable_url
    listed = client.get(removable_url).get_data(as_text=True)
    assert "a.xlsx" in listed and "b.xlsx" in listed and "old.xlsx" not in listed and "c.pdf" not in listed
    assert "user@acme.test" in html and "seller@acme.test" not in html.split("Top file categories")[0].split(
        "Top users")[1]  # e-mail only: no exposure type, so not among the top users
    assert "Spreadsheet" in html and "PDF" in html
    wide = client.get("/risk-exposure/?period=P90D").get_data(as_text=True)
    assert stat(wide, "Removable media")[1] == 3


def test_only_investigators_see_it(client, sign_in, exposures):
    sign_in("orgadmin@acme.test")
    assert client.get("/risk-exposure/").status_code == 403
