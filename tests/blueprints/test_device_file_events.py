"""A device's file events in the console: for investigators, escaped, exported safely."""
import csv
import io

import pytest

from tests.blueprints.test_file_event_upload import event
from webconsole.domain import events
from webconsole.extensions import db
from webconsole.models import Device

HOSTILE = "<img src=x onerror=alert(1)>=HYPERLINK(\"http://evil\")\u202egnp.exe"


@pytest.fixture
def stored(app, world, make_user):
    make_user("analyst@acme.test", "insider_risk_analyst", world["root"])
    with app.app_context():
        device = db.session.get(Device, world["user_laptop"])
        rows = [events.parse_event(event(fileName=f"report-{n}.docx", fileCategory="Document",
                                         eventTimestamp=f"2026-11-{10 + n}T09:00:00Z")) for n in range(3)]
        rows.append(events.parse_event(event(fileName=HOSTILE, exposure=["RemovableMedia"], syncDestination=None,
                                             removableMediaVolumeName="KINGSTON")))
        rows.append(events.parse_event(event(fileName="=cmd|' /C calc'!A0", eventTimestamp="2026-11-01T00:00:00Z")))
        events.store(rows, f"d{device.id}", {"device_id": device.id, "user_id": device.user_id,
                                             "org_id": device.org_id})
    return world


def test_investigators_see_a_devices_events_newest_first(client, sign_in, stored):
    sign_in("analyst@acme.test")
    page = client.get(f"/devices/file-events/?device={stored['user_laptop']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("report-2.docx") < html.index("report-1.docx") < html.index("report-0.docx")
    assert "Removable media" in html and "Cloud sync" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_device_page_embeds_the_list_only_for_investigators(client, sign_in, stored):
    sign_in("admin@acme.test")
    html = client.get(f"/devices/{stored['user_laptop']}").get_data(as_text=True)
    assert f"/devices/file-events/?device={stored['user_laptop']}" in html
    client.get("/auth/signout")
    sign_in("helpdesk@acme.test")
    html = client.get(f"/devices/{stored['user_laptop']}").get_data(as_text=True)
    assert "/devices/file-events/" not in html
    assert client.get(f"/devices/file-events/?device={stored['user_laptop']}").status_code == 403


def test_an_unknown_device_is_not_found(client, sign_in, stored):
    sign_in("analyst@acme.test")
    assert client.get("/devices/file-events/?device=999999").status_code == 404
    assert client.get("/devices/file-events/?device=abc").status_code == 404
    assert client.get("/devices/file-events/").status_code == 404


def test_the_export_neutralises_formulas(client, sign_in, stored):
    sign_in("analyst@acme.test")
    response = client.get(f"/devices/file-events/export.csv?device={stored['user_laptop']}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["Time", "Event", "File name"]
    names = [row[2] for row in rows[1:]]
    assert len(names) == 5 and HOSTILE in names and "'=cmd|' /C calc'!A0" in names
    assert "Removable media" in {row[6] for row in rows[1:]}
