"""Forensic Search: a date range and filter rows over file events, details, pivots, exports, saved searches."""
import csv
import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.blueprints.test_file_event_upload import MD5, SHA, event
from webconsole.domain import events
from webconsole.extensions import db
from webconsole.models import AuditEvent, Device, FileEvent, SavedSearch
from webconsole.models.base import utcnow
from webconsole.store import name_search

OTHER_SHA = "a" * 64


def at(days_ago):
    return (utcnow() - timedelta(days=days_ago)).isoformat() + "Z"


@pytest.fixture
def investigation(app, world, make_user):
    make_user("analyst@acme.test", "insider_risk_analyst", world["root"])
    make_user("analyst2@acme.test", "insider_risk_analyst", world["root"])
    with app.app_context():
        laptop = db.session.get(Device, world["user_laptop"])
        seller = db.session.get(Device, world["seller_laptop"])
        usb = dict(exposure=["RemovableMedia"], syncDestination=None, removableMediaVolumeName="KINGSTON")
        rows = [
            (laptop, event(fileName="plans.docx", eventTimestamp=at(2), **usb)),
            (laptop, event(fileName="=HYPERLINK(\"x\").xlsx", eventTimestamp=at(3), **usb)),
            (laptop, event(fileName="old-usb.txt", eventTimestamp=at(45), **usb)),
            (laptop, event(fileName="notes.txt", eventTimestamp=at(1), exposure=[], syncDestination=None,
                           sha256Checksum=OTHER_SHA)),
            (seller, event(fileName="pricing.xlsx", eventTimestamp=at(5))),
        ]
        for device, raw in rows:
            events.store([events.parse_event(raw)], f"d{device.id}", {
                "device_id": device.id, "user_id": device.user_id, "org_id": device.org_id,
                "username": device.user.username, "hostname": device.hostname})
    return world


def names(client, url):
    html = client.get(url).get_data(as_text=True)
    return [n for n in ("plans.docx", "HYPERLINK", "old-usb.txt", "notes.txt", "pricing.xlsx") if n in html]


def test_a_search_narrows_to_one_users_usb_copies_in_the_last_30_days(client, sign_in, investigation):
    sign_in("analyst@acme.test")
    assert names(client, "/forensic-search/") == ["plans.docx", "HYPERLINK", "notes.txt", "pricing.xlsx"]
    url = ("/forensic-search/?range=P30D&f1=deviceUserName&o1=is&v1=user@acme.test"
           "&f2=exposure&o2=is&v2=RemovableMedia")
    assert names(client, url) == ["plans.docx", "HYPERLINK"]
    assert names(client, "/forensic-search/?range=P90D&f1=exposure&o1=is&v1=RemovableMedia") == [
        "plans.docx", "HYPERLINK", "old-usb.txt"]
    any_url = "/forensic-search/?match=any&f1=fileName&o1=contains&v1=plans&f2=fileName&o2=starts_with&v2=pric"
    assert names(client, any_url) == ["plans.docx", "pricing.xlsx"]
    custom = f"/forensic-search/?range=custom&from={(utcnow() - timedelta(days=4)).date()}"
    assert names(client, custom) == ["plans.docx", "HYPERLINK", "notes.txt"]


def test_search_by_hostname_and_by_exposure_types(app, client, sign_in, investigation):
    sign_in("analyst@acme.test")
    with app.app_context():
        hostname = db.session.get(Device, investigation["user_laptop"]).hostname
    assert names(client, f"/forensic-search/?range=P30D&f1=osHostName&o1=is&v1={hostname}") == [
        "plans.docx", "HYPERLINK", "notes.txt"]
    either = ("/forensic-search/?range=P30D&match=any&f1=exposure&o1=is&v1=RemovableMedia"
              "&f2=exposure&o2=is&v2=CloudStorage")
    assert names(client, either) == ["plans.docx", "HYPERLINK", "pricing.xlsx"]
    assert names(client, "/forensic-search/?range=P30D&f1=exposure&o1=is_not&v1=RemovableMedia") == [
        "notes.txt", "pricing.xlsx"]
    assert names(client, "/forensic-search/?range=P30D&f1=exposure&o1=exists") == [
        "plans.docx", "HYPERLINK", "pricing.xlsx"]


def test_search_by_hash_in_one_step(client, sign_in, investigation):
    sign_in("analyst@acme.test")
    assert names(client, f"/forensic-search/?f1=sha256Checksum&v1={OTHER_SHA}") == ["notes.txt"]
    assert names(client, f"/forensic-search/?f1=md5Checksum&v1={MD5.upper()}") == [
        "plans.docx", "HYPERLINK", "notes.txt", "pricing.xlsx"]


@pytest.mark.parametrize("query, field, message", [
    ("f1=colour&v1=red", "v1", "Unknown field"),
    ("f1=fileSize&o1=contains&v1=3", "v1", "cannot be compared"),
    ("f1=sha256Checksum&v1=xyz", "v1", "Enter 64 hexadecimal digits"),
    ("f1=eventTimestamp&o1=on_or_after&v1=yesterday", "v1", "Enter a date such as 12/31/2026"),
    ("range=custom&from=2026-13-01", "from", "Enter a date such as 12/31/2026"),
    ("f1=exposure&v1=Teleport", "v1", "Choose a value from the list"),
])
def test_a_bad_query_is_explained_next_to_its_filter(client, sign_in, investigation, query, field, message):
    sign_in("analyst@acme.test")
    response = client.get(f"/forensic-search/?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html and 'class="field-error"' in html
    assert "plans.docx" in html  # the rest of the search still runs


def test_event_details_offer_pivots_that_keep_the_search(client, sign_in, investigation, app):
    sign_in("analyst@acme.test")
    with app.app_context():
        plans = db.session.scalar(select(FileEvent.id).where(FileEvent.file_name == "plans.docx"))
    search = "http://localhost/forensic-search/?range=P7D&f1=fileCategory&o1=is&v1=Spreadsheet"
    panel = client.get(f"/forensic-search/events/{plans}", headers={"HX-Request": "true", "HX-Current-URL": search})
    html = panel.get_data(as_text=True)
    assert "KINGSTON" in html and SHA in html and "<html" not in html
    assert f"f2=sha256Checksum&amp;o2=is&amp;v2={SHA}" in html and "range=P7D&amp;f1=fileCategory" in html
    page = client.get(f"/forensic-search/events/{plans}").get_data(as_text=True)
    assert "<html" in page and f"f1=sha256Checksum&amp;o1=is&amp;v1={SHA}" in page


def test_only_investigators_search_and_only_in_their_scope(client, sign_in, investigation, app):
    sign_in("orgadmin@acme.test")
    assert client.get("/forensic-search/").status_code == 403
    with app.app_context():
        any_event = db.session.scalar(select(FileEvent.id))
    assert client.get(f"/forensic-search/events/{any_event}").status_code == 403
    client.get("/auth/signout")
    sign_in("analyst@acme.test")
    assert client.get("/forensic-search/events/999999").status_code == 404


def test_exports_stream_the_whole_result_safely(client, sign_in, investigation):
    sign_in("analyst@acme.test")
    query = "f1=exposure&o1=is&v1=RemovableMedia"
    rows = list(csv.reader(io.StringIO(client.get(f"/forensic-search/export.csv?{query}").get_data().decode(
        "utf-8-sig"))))
    assert len(rows) == 3 and "'=HYPERLINK(\"x\").xlsx" in [r[2] for r in rows]
    response = client.get(f"/forensic-search/export.json?{query}")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="file-events-')
    items = json.loads(response.get_data(as_text=True))
    assert [i["fileName"] for i in items] == ["plans.docx", "=HYPERLINK(\"x\").xlsx"]
    assert items[0]["exposure"] == ["RemovableMedia"] and items[0]["removableMediaVolumeName"] == "KINGSTON"
    assert items[0]["sha256Checksum"] == SHA and items[0]["eventTimestamp"].endswith("Z")
    assert client.get("/forensic-search/export.json?f1=sha256Checksum&v1=bad").status_code == 400


def test_saved_searches_are_shared_reopened_and_deleted_by_their_author(client, sign_in, investigation, app):
    sign_in("analyst@acme.test")
    query = "range=P30D&f1=exposure&o1=is&v1=RemovableMedia"
    response = client.post("/forensic-search/saved", data={"name": "USB copies", "query": query})
    assert response.status_code == 302 and "f1=exposure" in response.headers["Location"]
    again = client.post("/forensic-search/saved", data={"name": "USB copies", "query": query}, follow_redirects=True)
    assert "exists already" in again.get_data(as_text=True)
    bad = client.post("/forensic-search/saved", data={"name": "Bad", "query": "f1=sha256Checksum&v1=x"},
                      follow_redirects=True)
    assert "Enter 64 hexadecimal digits" in bad.get_data(as_text=True)
    with app.app_context():
        saved = db.session.scalars(select(SavedSearch)).all()
        assert [s.name for s in saved] == ["USB copies"] and "v1=RemovableMedia" in saved[0].query
        assert db.session.scalar(select(AuditEvent.event_type).where(AuditEvent.object_type == "saved_search")) \
            == "search.save"
        saved_id = saved[0].id
    client.get("/auth/signout")
    sign_in("analyst2@acme.test")
    listing = client.get("/forensic-search/saved").get_data(as_text=True)
    assert "USB copies" in listing and "analyst@acme.test" in listing and "Delete" not in listing
    assert client.post(f"/forensic-search/saved/{saved_id}/delete").status_code == 403
    client.get("/auth/signout")
    sign_in("analyst@acme.test")
    assert client.post(f"/forensic-search/saved/{saved_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(SavedSearch.id)) is None


def test_hostile_values_are_shown_as_text_everywhere(client, sign_in, investigation, app):
    hostile = {"fileName": "<script>alert(1)</script>\u202egnp.exe", "tabUrls": ["javascript:alert(2)"],
               "emailSubject": "\"><img src=x onerror=alert(3)>", "emailRecipients": ["<b>x</b>@evil.test"],
               "exposure": ["ApplicationRead"], "syncDestination": None}
    with app.app_context():
        device = db.session.get(Device, investigation["user_laptop"])
        events.store([events.parse_event(event(**hostile))], f"d{device.id}", {"device_id": device.id,
                     "user_id": device.user_id, "org_id": device.org_id})
        hostile_id = db.session.scalar(select(FileEvent.id).where(FileEvent.file_name.like("<script>%")))
    sign_in("analyst@acme.test")
    for url in ("/forensic-search/?f1=fileName&o1=contains&v1=<script>", f"/forensic-search/events/{hostile_id}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x" not in html and "<b>x</b>" not in html
        assert 'href="javascript:' not in html


@pytest.mark.parametrize("by_id", [5_000, 0], ids=["indexed", "walked"])
def test_a_file_name_search_scrolls_through_every_match_once(client, sign_in, investigation, app, monkeypatch,
                                                             by_id):
    monkeypatch.setattr(name_search, "BY_ID", by_id)  # 0: every name counts as common
    with app.app_context():
        device = db.session.get(Device, investigation["user_laptop"])
        rows = [events.parse_event(event(fileName=f"Report-{n:02}.pdf" if n % 2 else f"other-{n:02}.txt",
                                         eventTimestamp=at(n / 10))) for n in range(1, 25)]
        events.store(rows, f"d{device.id}", {"device_id": device.id, "user_id": device.user_id,
                                             "org_id": device.org_id})
        name_search.index_new_events()
        db.session.commit()
    sign_in("analyst@acme.test")
    html = client.get("/forensic-search/?f1=fileName&o1=contains&v1=REPORT-").get_data(as_text=True)
    seen = []
    while True:
        seen += re.findall(r">(Report-\d\d\.pdf)<", html)  # the cell's text (its title holds it too)
        rows_url = re.search(r'hx-get="([^"]*/rows\?cursor=[^"]*)"', html)
        if not rows_url:
            break
        html = client.get(rows_url.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"}).get_data(
            as_text=True)
    assert seen == [f"Report-{n:02}.pdf" for n in range(1, 25, 2)]  # newest first, each once
