"""Cases in the browser: opened from a user, an alert or selected search results; worked on; exported."""
import csv
import io
import json
import re
import zipfile

import pytest
from sqlalchemy import select

from tests.conftest import HX
from tests.domain.test_cases import casework, make_alert, store_events  # noqa: F401 (fixtures)
from webconsole.extensions import db
from webconsole.models import AuditEvent, Case, Job, Role, RolePermission, User

HOSTILE = '<script>alert(1)</script>"\'&'


@pytest.fixture
def analyst(client, sign_in, casework):  # noqa: F811
    sign_in("analyst@acme.test")
    return casework


def open_case(client, ids, events, name="USB copies", subject="user@acme.test", **fields):
    """Open a case through the form; its id."""
    response = client.post("/cases/new", data={"name": name, "subject": subject, "event": [str(i) for i in events],
                                               "assignee": "", "description": "", **fields})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/cases/(\d+)$", response.headers["Location"]).group(1))


def test_a_case_opened_from_selected_search_results(client, analyst, app):
    search = client.get("/forensic-search/").get_data(as_text=True)
    assert 'form="row-selection"' in search and "Open case with selected" in search
    chosen = [str(i) for i in analyst["user_events"][:2]]
    form = client.post("/cases/new", data={"event": chosen}).get_data(as_text=True)
    assert 'value="user@acme.test"' in form and "2 file events will be attached." in form
    case_id = open_case(client, analyst, chosen)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "plans.docx" in page and "roadmap.pdf" in page and "salaries.xlsx" not in page
    assert "USB copies" in client.get("/cases/").get_data(as_text=True)
    # More events go to an open case from the search page.
    response = client.post("/cases/events", data={"case": case_id, "event": [str(analyst["user_events"][2])]})
    assert response.status_code == 303
    assert "salaries.xlsx" in client.get(f"/cases/{case_id}").get_data(as_text=True)
    client.post(f"/cases/{case_id}/events/remove", data={"event": [str(analyst["user_events"][0])]})
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "plans.docx" not in page and "salaries.xlsx" in page


def test_a_case_from_a_user_or_an_alert_starts_filled_in(client, analyst, app):
    assert 'value="user@acme.test"' in client.get(f"/cases/new?user={analyst['user']}").get_data(as_text=True)
    with app.app_context():
        alert_id = make_alert(analyst["user"], analyst["user_events"], name="Departing: USB")
    page = client.get(f"/cases/new?alert={alert_id}").get_data(as_text=True)
    assert 'value="Departing: USB"' in page and "3 file events will be attached." in page
    case_id = open_case(client, analyst, analyst["user_events"], name="Departing: USB", alert=str(alert_id))
    with app.app_context():
        assert db.session.get(Case, case_id).alert_id == alert_id


def test_findings_are_written_and_the_case_closed_and_reopened(client, analyst, app):
    case_id = open_case(client, analyst, analyst["user_events"])
    response = client.post(f"/cases/{case_id}", data={"name": "USB copies", "description": "",
                                                      "assignee": str(analyst["analyst2"]),
                                                      "findings": "Copied the roadmap before leaving."})
    assert response.status_code == 302
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Copied the roadmap before leaving." in page and "analyst2@acme.test" in page
    client.post(f"/cases/{case_id}/status", data={"status": "closed"})
    assert "Reopen case" in client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "USB copies" not in client.get("/cases/?status=open").get_data(as_text=True)
    assert "USB copies" in client.get(f"/cases/?status=closed&assignee={analyst['analyst2']}").get_data(as_text=True)
    client.post(f"/cases/{case_id}/status", data={"status": "open"})
    with app.app_context():
        kinds = db.session.scalars(select(AuditEvent.event_type).where(AuditEvent.object_type == "case")).all()
        assert kinds == ["case.create", "case.update", "case.close", "case.reopen"]


def test_a_refused_value_shows_beside_its_field(client, analyst):
    response = client.post("/cases/new", data={"name": "ab", "subject": "user@acme.test", "assignee": ""})
    assert response.status_code == 422 and "Enter a name of 3 to 100 characters." in response.get_data(as_text=True)
    response = client.post("/cases/new", data={"name": "Fine name", "subject": "nobody@acme.test", "assignee": ""})
    assert response.status_code == 422 and "Enter the username of a user you can investigate." in response.get_data(
        as_text=True)
    response = client.post("/cases/new", data={"name": "Fine name", "subject": "user@acme.test",
                                               "assignee": str(analyst["helpdesk"])})
    assert response.status_code == 422


@pytest.mark.parametrize("url", ["/cases/new?alert=abc", "/cases/new?alert=99999999999", "/cases/new?user=%C2%B2",
                                 "/cases/new?user=0", "/cases/123456", "/cases/?assignee=x", "/cases/?status=<b>"])
def test_hostile_input_is_answered_without_an_error(client, analyst, url):
    assert client.get(url).status_code in (200, 400, 404)


def test_hostile_names_are_escaped_and_selections_bounded(client, analyst):
    case_id = open_case(client, analyst, [], name=HOSTILE)
    assert HOSTILE not in client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert HOSTILE not in client.get("/cases/").get_data(as_text=True)
    assert client.post("/cases/new", data={"event": ["1", "<x>"]}).status_code == 400
    assert client.post("/cases/new", data={"event": [str(n) for n in range(1, 1100)]}).status_code == 400
    assert client.post("/cases/events", data={"case": "x", "event": ["1"]}).status_code == 404


def test_roles_without_cases_see_nothing_of_them(client, sign_in, casework, app):  # noqa: F811
    with app.app_context():
        case = Case(name="Secret", subject_username="user@acme.test", org_id=casework["platform"])
        db.session.add(case)
        db.session.commit()
        case_id = case.id
    for username in ("orgadmin@acme.test", "helpdesk@acme.test", "user@acme.test"):
        sign_in(username)
        for url in ("/cases/", f"/cases/{case_id}", "/cases/new", f"/cases/new?user={casework['user']}"):
            assert client.get(url).status_code == 403, (username, url)
        assert client.post(f"/cases/{case_id}/status", data={"status": "closed"}).status_code == 403
        assert client.get("/notifications/bell", headers=HX).status_code == 403
        assert "/cases/" not in client.get("/account/profile").get_data(as_text=True)


def test_an_investigator_of_one_org_sees_only_its_cases(client, sign_in, casework, app):  # noqa: F811
    with app.app_context():
        db.session.add(Case(name="Sales matter", subject_username="seller@acme.test", org_id=casework["sales"]))
        db.session.commit()
        theirs = db.session.scalar(select(Case.id))
    sign_in("eng-investigator@acme.test")
    assert "Sales matter" not in client.get("/cases/").get_data(as_text=True)
    assert client.get(f"/cases/{theirs}").status_code == 404


@pytest.mark.committed
def test_a_case_is_exported_as_a_zip_of_events_findings_and_a_manifest(client, analyst, app, tmp_path):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")
    with app.app_context():
        hostile = store_events(analyst["user_laptop"], ['=HYPERLINK("http://x")'])
    case_id = open_case(client, analyst, analyst["user_events"] + hostile)
    client.post(f"/cases/{case_id}", data={"name": "USB copies", "assignee": "", "description": "",
                                           "findings": "Roadmap copied."})
    response = client.post(f"/cases/{case_id}/export")
    job_id = int(re.search(r"/jobs/(\d+)$", response.headers["Location"]).group(1))
    with app.app_context():
        assert db.session.get(Job, job_id).state == "succeeded"
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert sorted(archive.namelist()) == ["events.csv", "events.json", "findings.txt", "manifest.json"]
    rows = list(csv.reader(io.StringIO(archive.read("events.csv").decode("utf-8-sig"))))
    assert rows[0][0] == "eventId" and len(rows) == 5
    assert "'=HYPERLINK(\"http://x\")" in [row[5] for row in rows]
    assert len(json.loads(archive.read("events.json"))) == 4
    assert archive.read("findings.txt").decode() == "Roadmap copied."
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["case"]["subject"] == "user@acme.test" and manifest["events_exported"] == 4


def test_the_bell_shows_unread_alerts_and_marks_them_read(client, analyst, app):
    with app.app_context():
        for n in range(2):
            make_alert(analyst["user"], [], name=f"Rule {n}")
    assert 'id="notification-bell"' in client.get("/cases/").get_data(as_text=True)
    bell = client.get("/notifications/bell", headers=HX).get_data(as_text=True)
    assert 'class="bell-count">2<' in bell and "Rule 1" in bell
    bell = client.post("/notifications/read", headers=HX).get_data(as_text=True)
    assert "bell-count" not in bell and "No unread alerts." in bell


def test_only_those_who_open_cases_get_the_rows_checkboxes_and_exports_leave_them_out(
        client, sign_in, casework, make_user, app):  # noqa: F811
    with app.app_context():
        role = Role(key="searcher", name="Searcher", scope="all", builtin=False)
        role.permissions = [RolePermission(permission="forensics.search")]
        db.session.add(role)
        db.session.commit()
        searcher_id = make_user("searcher@acme.test", None, casework["root"])
        searcher = db.session.get(User, searcher_id)
        searcher.roles.append(db.session.get(Role, role.id))
        db.session.commit()
    sign_in("searcher@acme.test")
    page = client.get("/forensic-search/").get_data(as_text=True)
    assert "plans.docx" in page and 'form="row-selection"' not in page and "Open case with selected" not in page
    sign_in("analyst@acme.test")
    header = client.get("/forensic-search/export.csv").get_data().decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Time,") and "Select" not in header
