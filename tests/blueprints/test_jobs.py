"""The Jobs view: a person follows their own jobs, an admin everyone's; results download only to them."""
import csv
import io
import os

import pytest

from tests.blueprints.test_forensic_search import investigation  # noqa: F401 - a fixture
from tests.conftest import HX
from webconsole.domain import audit
from webconsole.domain.jobs import folder
from webconsole.extensions import db
from webconsole.models import Job

# Jobs run at once in the test queue, in an app context (and a session) of their own, whose commits the
# request's session must not roll back: these tests commit for real.
pytestmark = pytest.mark.committed


@pytest.fixture(autouse=True)
def job_files(app, tmp_path):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")


@pytest.fixture
def make_job(app):
    """make_job(user_id, label, state, ...) -> job id; a succeeded one gets a result file."""
    def make(user_id, label, state="running", done=3, total=10, result=None):
        with app.app_context():
            job = Job(kind="test", label=label, user_id=user_id, state=state, done=done, total=total)
            db.session.add(job)
            db.session.commit()
            if result is not None:
                os.makedirs(folder(job.id))
                with open(os.path.join(folder(job.id), "out.csv"), "w") as out:
                    out.write(result)
                job.result_path, job.result_name = "out.csv", 'evil"; name\r\n.csv'
                db.session.commit()
            return job.id
    return make


def test_a_desktop_user_sees_only_their_jobs(client, sign_in, world, make_job):
    make_job(world["user"], "Mine to see")
    make_job(world["seller"], "Seller's job")
    sign_in("user@acme.test")
    html = client.get("/jobs/").get_data(as_text=True)
    assert "Mine to see" in html and "Seller" not in html
    assert 'href="/jobs/"' in html  # the Account navigation leads here


def test_an_admin_sees_everyones_jobs(client, sign_in, world, make_job):
    make_job(world["user"], "User's job")
    make_job(None, "Daily storage use")
    sign_in("admin@acme.test")
    html = client.get("/jobs/").get_data(as_text=True)
    assert "User&#39;s job" in html and "Daily storage use" in html


def test_another_persons_job_and_result_are_not_found(client, sign_in, world, make_job):
    theirs = make_job(world["seller"], "Seller's export", state="succeeded", result="secret")
    sign_in("user@acme.test")
    assert client.get(f"/jobs/{theirs}").status_code == 404
    assert client.get(f"/jobs/{theirs}/status").status_code == 404
    assert client.get(f"/jobs/{theirs}/download").status_code == 404


def test_a_running_job_shows_its_progress_and_keeps_polling(client, sign_in, world, make_job):
    job_id = make_job(world["user"], "Export", done=3, total=10)
    sign_in("user@acme.test")
    html = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert '<progress max="10" value="3"' in html and "3 of 10 done" in html
    assert f'hx-get="/jobs/{job_id}/status" hx-trigger="every 1s"' in html
    assert "Cancel job" in html
    status = client.get(f"/jobs/{job_id}/status", headers=HX)
    assert status.status_code == 200 and "hx-swap-oob" not in status.get_data(as_text=True)


def test_a_finished_job_stops_polling_and_offers_its_download(client, sign_in, world, make_job):
    job_id = make_job(world["user"], "Export", state="succeeded", done=2, result="a,b\n1,2\n")
    sign_in("user@acme.test")
    response = client.get(f"/jobs/{job_id}/status", headers=HX)
    assert response.status_code == 286  # htmx stops polling
    html = response.get_data(as_text=True)
    assert "hx-trigger" not in html and f'href="/jobs/{job_id}/download"' in html
    assert '<div id="job-cancel" class="inline-form" hx-swap-oob="true"></div>' in html  # "Cancel job" goes
    assert "Cancel job" not in client.get(f"/jobs/{job_id}").get_data(as_text=True)
    download = client.get(f"/jobs/{job_id}/download")
    assert download.get_data(as_text=True) == "a,b\n1,2\n"
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"] == "attachment; filename=evil-name-.csv"


def test_a_failed_job_says_why(client, sign_in, world, make_job, app):
    job_id = make_job(world["user"], "Export", state="failed")
    with app.app_context():
        db.session.get(Job, job_id).error = "The list can no longer be exported <b>now</b>."
        db.session.commit()
    sign_in("user@acme.test")
    html = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "The list can no longer be exported &lt;b&gt;now&lt;/b&gt;." in html
    assert client.get(f"/jobs/{job_id}/download").status_code == 404


def test_the_audit_log_exports_as_a_job_whose_file_outlives_the_page(client, sign_in, world, app):
    with app.app_context():
        for n in range(7):
            audit.record("property.set", object_label=f"=cmd{n}")
        db.session.commit()
    sign_in("auditor@acme.test")
    page = client.get("/audit/?event=property.set").get_data(as_text=True)
    assert 'action="/jobs/exports/audit?' in page
    response = client.post("/jobs/exports/audit?event=property.set&sort=at&dir=asc")
    assert response.status_code == 303
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Audit Log export" in job_page and "Finished: 7 done." in job_page  # the test queue runs it at once
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    download = client.get(f"/jobs/{job_id}/download")
    assert 'filename=audit-log-' in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Date", "Actor", "IP address", "Event"]
    assert [row[4] for row in rows[1:]] == [f"'=cmd{n}" for n in range(7)]


def test_only_those_who_may_see_a_list_export_it(client, sign_in, world):
    sign_in("user@acme.test")
    assert client.post("/jobs/exports/audit").status_code == 403
    assert client.post("/jobs/exports/users").status_code == 403
    assert client.post("/jobs/exports/connections").status_code == 404  # a list that has no export


def test_a_refused_filter_is_said_before_the_job_starts(client, sign_in, world, app):
    sign_in("auditor@acme.test")
    response = client.post("/jobs/exports/audit?since=yesterday")
    assert response.status_code == 303 and "/audit/" in response.headers["Location"]
    with app.app_context():
        assert db.session.query(Job).count() == 0


def test_a_forensic_search_exports_as_a_job(client, sign_in, investigation):  # noqa: F811 - the imported fixture
    sign_in("analyst@acme.test")
    query = "range=P30D&f1=exposure&o1=is&v1=RemovableMedia"
    assert 'action="/jobs/exports/forensic_search?' in client.get(f"/forensic-search/?{query}").get_data(as_text=True)
    response = client.post(f"/jobs/exports/forensic_search?{query}")
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    rows = list(csv.reader(io.StringIO(client.get(f"/jobs/{job_id}/download").get_data(as_text=True))))
    assert sorted(row[2] for row in rows[1:]) == ["'=HYPERLINK(\"x\").xlsx", "plans.docx"]


def test_ids_beyond_what_a_job_id_holds_are_not_found(client, sign_in, world):
    sign_in("user@acme.test")
    for url in ("/jobs/99999999999999999999999", "/jobs/2147483648/status", "/jobs/2147483648/download"):
        assert client.get(url).status_code == 404


def test_a_person_cancels_their_running_job_but_not_anothers(client, sign_in, world, make_job):
    mine, theirs = make_job(world["user"], "Mine"), make_job(world["seller"], "Theirs")
    sign_in("user@acme.test")
    assert 'action="/jobs/%d/cancel"' % mine in client.get(f"/jobs/{mine}").get_data(as_text=True)
    response = client.post(f"/jobs/{mine}/cancel", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Job cancelled." in html and "Cancelled after 3 done." in html and "/cancel" not in html
    assert client.post(f"/jobs/{theirs}/cancel").status_code == 404


@pytest.mark.parametrize("page, key, title", [
    ("/devices/", "devices", "Devices export"), ("/users/", "users", "Users export"),
    ("/orgs/", "orgs", "Organizations export"),
    ("/reports/organizations/", "report-orgs", "Organization report export"),
    ("/reports/users/", "report-users", "User backup report export"),
    ("/reports/devices/", "report-devices", "Device backup report export"),
])
def test_the_administration_lists_export_as_jobs_in_the_actors_scope(client, sign_in, world, page, key, title):
    sign_in("orgadmin@acme.test")
    assert f'action="/jobs/exports/{key}' in client.get(page).get_data(as_text=True)
    response = client.post(f"/jobs/exports/{key}?sort=name" if key != "users" else f"/jobs/exports/{key}")
    assert response.status_code == 303
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert title in job_page and "Finished" in job_page
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    exported = client.get(f"/jobs/{job_id}/download").get_data(as_text=True)
    assert "acme.test" in exported or "Engineering" in exported or "USER-LAPTOP" in exported
    assert "seller@acme.test" not in exported and "SELLER-LAPTOP" not in exported  # Sales is not theirs
