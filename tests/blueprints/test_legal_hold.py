"""Legal hold in the browser: who sees it, policies and matters, custodians, collections and their packages."""
import hashlib
import io
import json
import re
import shutil
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.blueprints.test_restores import backed_up, files  # noqa: F401 (fixture)
from tests.conftest import HX
from tests.domain.test_cases import store_events
from tests.domain.test_legal_hold import hold, policy_values  # noqa: F401 (fixture)
from webconsole.domain import jobs, legal_hold, preservation
from webconsole.extensions import db
from webconsole.jobs import collections as collection_jobs
from webconsole.jobs import kinds
from webconsole.jobs.queue import run_job
from webconsole.models import AuditEvent, Collection, Custodian, Job, Matter, User
from webconsole.models.base import utcnow

HOSTILE = '<script>alert(1)</script>"\'&'


def flat(values):
    return {k: v[0] if len(v) == 1 else v for k, v in values.items()}


@pytest.fixture
def legal(client, sign_in, hold):  # noqa: F811
    sign_in("legal@acme.test")
    return hold


def test_only_legal_hold_administrators_and_cloud_admins_see_the_section(client, sign_in, hold):  # noqa: F811
    urls = ["/legal-hold/matters/", "/legal-hold/policies/", f"/legal-hold/matters/{hold['matter']}",
            f"/legal-hold/policies/{hold['policy']}", "/legal-hold/matters/new",
            f"/legal-hold/matters/custodians/?matter={hold['matter']}", f"/legal-hold/matters/users/{hold['user']}"]
    for username in ("orgadmin@acme.test", "helpdesk@acme.test", "auditor@acme.test", "user@acme.test"):
        sign_in(username)
        for url in urls:
            assert client.get(url).status_code == 403, (username, url)
        page = client.get("/account/profile").get_data(as_text=True)
        assert "/legal-hold/" not in page and "Legal Hold" not in page
        client.post("/auth/signout")
    for username in ("legal@acme.test", "admin@acme.test"):
        sign_in(username)
        for url in urls:
            assert client.get(url).status_code == 200, (username, url)
        assert "/legal-hold/matters/" in client.get("/account/profile").get_data(as_text=True)
        client.post("/auth/signout")
    sign_in("legal@acme.test")
    assert client.get("/", follow_redirects=True).request.path == "/legal-hold/matters/"  # their home


def test_a_matter_needs_a_policy_and_the_page_says_so(client, sign_in, world, make_user):
    make_user("legal@acme.test", "legal_hold_admin", world["root"])
    sign_in("legal@acme.test")
    page = client.get("/legal-hold/matters/new").get_data(as_text=True)
    assert "there is none yet" in page and "/legal-hold/policies/new" in page
    refused = client.post("/legal-hold/matters/new", data={"name": "Early", "policy": ""})
    assert refused.status_code == 422 and "Create a preservation policy first" in refused.get_data(as_text=True)


def test_policies_are_created_edited_and_deleted_only_when_unused(client, legal, app):
    created = client.post("/legal-hold/policies/new", data=flat(policy_values(name="Mail only")))
    assert created.status_code == 303
    policy_id = int(re.search(r"/policies/(\d+)$", created.headers["Location"]).group(1))
    refused = client.post(f"/legal-hold/policies/{policy_id}", data=flat(policy_values(
        name="Mail only", filename_exclusions=["(bad"])))
    assert refused.status_code == 422 and "Not a valid regular expression" in refused.get_data(as_text=True)
    saved = client.post(f"/legal-hold/policies/{policy_id}", data=flat(policy_values(name="Mail and chat")))
    assert saved.status_code == 303
    in_use = client.get(f"/legal-hold/policies/{legal['policy']}/delete").get_data(as_text=True)
    assert "cannot be deleted" in in_use and "Acme v. Example" in in_use
    forced = client.post(f"/legal-hold/policies/{legal['policy']}/delete", follow_redirects=True)
    assert "Acme v. Example" in forced.get_data(as_text=True)
    assert client.post(f"/legal-hold/policies/{policy_id}/delete").status_code == 303
    listing = client.get("/legal-hold/policies/").get_data(as_text=True)
    assert "Mail and chat" not in listing and "Whole home, forever" in listing
    with app.app_context():
        kinds = set(db.session.scalars(select(AuditEvent.event_type).where(
            AuditEvent.object_type == "preservation_policy")))
    assert kinds == {"legalhold.policy_create", "legalhold.policy_update", "legalhold.policy_delete"}


def test_a_matter_is_created_listed_sorted_edited_deactivated_and_reactivated(client, legal, app):
    created = client.post("/legal-hold/matters/new", data={"name": "Beta v. Example", "policy": legal["policy"],
                                                           "reference": "CV-9", "description": "", "notes": ""})
    assert created.status_code == 302
    listing = client.get("/legal-hold/matters/?sort=name&dir=desc").get_data(as_text=True)
    assert listing.index("Beta v. Example") < listing.index("Acme v. Example")
    assert "CV-9" in client.get("/legal-hold/matters/?q=beta").get_data(as_text=True)
    assert client.get("/legal-hold/matters/?status=inactive").get_data(as_text=True).count("v. Example") == 0
    confirm = client.get(f"/legal-hold/matters/{legal['matter']}/status").get_data(as_text=True)
    assert "Its 1 custodian is no longer held" in confirm and "2 devices" in confirm
    assert client.post(f"/legal-hold/matters/{legal['matter']}/status").status_code == 303
    with app.app_context():
        assert db.session.get(Matter, legal["matter"]).status == "inactive"
        assert not preservation.is_held(legal["user"])
    client.post(f"/legal-hold/matters/{legal['matter']}/status")
    with app.app_context():
        assert preservation.is_held(legal["user"])
    edited = client.post(f"/legal-hold/matters/{legal['matter']}", data={
        "name": "x", "policy": legal["policy"], "description": "", "notes": "", "reference": ""})
    assert edited.status_code == 422 and "Enter a name of 3 to 100 characters." in edited.get_data(as_text=True)


def test_custodians_are_added_several_at_once_and_the_same_one_is_refused(client, legal, app, make_user):
    other = make_user("una.other@acme.test", "desktop_user", legal["sales"], first_name="Una")
    found = client.get("/legal-hold/matters/candidates?q=acme.test").get_data(as_text=True)
    assert f'value="{legal["seller"]}"' in found
    again = client.post(f"/legal-hold/matters/{legal['matter']}/custodians/add",
                        data={"user_ids": [str(legal["user"])]})
    assert again.status_code == 422 and "Already a custodian of Acme v. Example" in again.get_data(as_text=True)
    added = client.post(f"/legal-hold/matters/{legal['matter']}/custodians/add",
                        data={"user_ids": [str(legal["seller"]), str(other)]})
    assert added.status_code == 303
    rows = client.get(f"/legal-hold/matters/custodians/?matter={legal['matter']}", headers=HX).get_data(as_text=True)
    assert rows.count('name="custodian"') == 3
    with app.app_context():
        seller = db.session.scalar(select(Custodian.id).where(Custodian.user_id == legal["seller"]))
    client.post(f"/legal-hold/matters/{legal['matter']}/custodians/state",
                data={"custodian": [str(seller)], "state": "removed"})
    removed = client.get(f"/legal-hold/matters/custodians/?matter={legal['matter']}&state=removed",
                         headers=HX).get_data(as_text=True)
    assert "seller@acme.test" in removed and "user@acme.test" not in removed
    holds = client.get(f"/legal-hold/matters/users/{legal['seller']}").get_data(as_text=True)
    assert "Custodian removed" in holds and "Custodian added" in holds
    page = client.get(f"/legal-hold/matters/{legal['matter']}").get_data(as_text=True)
    assert "Custodian removed" in page and "seller@acme.test" in page


def test_deactivating_a_custodian_is_refused_with_the_matter_and_blocking_works(client, sign_in, hold, app):  # noqa: F811
    sign_in("admin@acme.test")
    refused = client.post(f"/users/{hold['user']}/deactivate", follow_redirects=True).get_data(as_text=True)
    assert "cannot be deactivated while on legal hold (Acme v. Example)" in refused
    client.post(f"/users/{hold['user']}/block")
    with app.app_context():
        user = db.session.get(User, hold["user"])
        assert user.status == "active" and user.blocked
    settings_page = client.get(f"/devices/{hold['user_laptop']}/settings").get_data(as_text=True)
    assert "Legal hold: Acme v. Example" in settings_page


@pytest.mark.parametrize("url", [
    "/legal-hold/matters/123456", "/legal-hold/matters/custodians/", "/legal-hold/matters/custodians/?matter=x",
    "/legal-hold/matters/custodians/?matter=99999999999999999999999", "/legal-hold/matters/?status=<b>",
    "/legal-hold/matters/?sort=%00", "/legal-hold/policies/99", "/legal-hold/matters/candidates?q=%00%00",
    "/legal-hold/matters/candidates?user_ids=%C2%B2&user_ids=1e9", "/legal-hold/matters/users/424242"])
def test_hostile_input_is_answered_without_an_error(client, legal, url):
    assert client.get(url).status_code in (200, 400, 404)


def test_hostile_values_are_refused_or_escaped(client, legal):
    matter = f"/legal-hold/matters/{legal['matter']}"
    for data in ({"date_from": "9999-12-31"}, {"date_from": "²"}, {"date_from": "2026-02-30"},
                 {"date_from": "2026-05-02", "date_to": "2026-05-01"}, {"custodian": "1" * 25},
                 {"custodian": str(legal["seller"])}):
        answer = client.post(f"{matter}/collect", data={"custodian": "", "date_from": "", "date_to": "", **data})
        assert answer.status_code == 422, data
    named = client.post("/legal-hold/policies/new", data=flat(policy_values(name=HOSTILE)))
    assert named.status_code == 303
    assert HOSTILE not in client.get(named.headers["Location"]).get_data(as_text=True)
    assert client.post(f"{matter}/custodians/add", data={"user_ids": ["x", "²"]}).status_code == 422
    assert client.post(f"{matter}/custodians/state", data={"custodian": ["1" * 25], "state": "active"}
                       ).status_code == 303


def _job(response):
    return int(re.search(r"/jobs/(\d+)$", response.headers["Location"]).group(1))


def _download(client, job_id):
    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200
    data = response.data
    response.close()
    return data


def _check_package(data):
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(archive.namelist()) - {"manifest.json"}
    for name, entry in listed.items():
        body = archive.read(name)
        assert hashlib.sha256(body).hexdigest() == entry["sha256"] and len(body) == entry["size"], name
    return archive, manifest


@pytest.mark.committed
@pytest.mark.skipif(shutil.which("restic") is None, reason="restic is installed by make test")
def test_a_matter_is_collected_into_a_package_whose_manifest_holds(app, client, world, tmp_path, files,  # noqa: F811
                                                                   sign_in, make_user):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")
    device_id, _answer = backed_up(app, client, world, tmp_path, files)
    legal_id = make_user("legal@acme.test", "legal_hold_admin", world["root"])
    with app.app_context():
        legal = db.session.get(User, legal_id)
        store_events(device_id, ["plan.txt", HOSTILE, '=HYPERLINK("http://x")'])
        policy = legal_hold.create_policy(legal, policy_values())
        matter = legal_hold.create_matter(legal, name="Acme v. Example", policy_id=policy.id)
        legal_hold.add_custodians(legal, matter, [str(world["user"]), str(world["seller"])])
        matter_id = matter.id
    sign_in("legal@acme.test")
    started = client.post(f"/legal-hold/matters/{matter_id}/collect", data={"custodian": "", "date_from": "",
                                                                           "date_to": ""})
    job_id = _job(started)
    with app.app_context():
        assert db.session.get(Job, job_id).state == "succeeded"  # the test queue runs it at once
        collection = db.session.scalar(select(Collection).where(Collection.job_id == job_id))
        assert collection.status == "done" and collection.events == 3
    download = _download(client, job_id)
    assert hashlib.sha256(download).hexdigest() == collection.sha256
    archive, manifest = _check_package(download)
    user_files = [n for n in archive.namelist() if n.startswith("custodians/user@acme.test/files/")]
    [plan] = [n for n in user_files if n.endswith("Documents/plan.txt")]
    assert archive.read(plan) == (files / "Documents" / "plan.txt").read_bytes()
    [data] = [n for n in user_files if n.endswith("deep/data.bin")]
    assert archive.read(data) == (files / "Documents" / "deep" / "data.bin").read_bytes()
    assert any(n.endswith("hostile name") or "onerror" in n for n in user_files)
    rows = archive.read("custodians/user@acme.test/events.csv").decode("utf-8-sig").splitlines()
    assert len(rows) == 4 and any("'=HYPERLINK" in row for row in rows)
    assert len(json.loads(archive.read("custodians/user@acme.test/events.json"))) == 3
    devices = json.loads(archive.read("custodians/user@acme.test/devices.json"))
    assert {d["key_type"] for d in devices} == {"standard"}
    described = json.loads(archive.read("matter.json"))
    assert described["matter"]["name"] == "Acme v. Example" and described["policy"]["included_paths"]
    refused = archive.read("custodians/seller@acme.test/files-not-collected.txt").decode()
    assert "SELLER-LAPTOP" in refused and "No backup of this device" in refused
    assert manifest["events"] == 3 and manifest["files_collected"] == len(user_files)
    page = client.get(f"/legal-hold/matters/{matter_id}").get_data(as_text=True)
    assert collection.sha256 in page
    with app.app_context():
        downloads = db.session.scalars(select(AuditEvent.details).where(
            AuditEvent.event_type == "legalhold.collection_download")).all()
        assert downloads == [{"collection": collection.id, "sha256": collection.sha256}]
    # One custodian, for a range that ends before the backup: their events only, and no version to collect.
    ranged = client.post(f"/legal-hold/matters/{matter_id}/collect", data={
        "custodian": str(world["user"]), "date_from": "2001-01-01", "date_to": "2001-12-31"})
    archive, manifest = _check_package(_download(client, _job(ranged)))
    assert manifest["events"] == 0 and not any("seller" in n for n in archive.namelist())
    assert "No version of this device was backed up by the end of the range" in archive.read(
        "custodians/user@acme.test/files-not-collected.txt").decode()


@pytest.mark.committed
def test_a_collection_stopped_midway_goes_on_from_its_checkpoint(app, client, world, tmp_path, sign_in, make_user,
                                                                 monkeypatch):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")
    legal_id = make_user("legal@acme.test", "legal_hold_admin", world["root"])
    with app.app_context():
        legal = db.session.get(User, legal_id)
        store_events(world["user_laptop"], [f"file-{n}.txt" for n in range(5)])
        store_events(world["seller_laptop"], ["pricing.xlsx"])
        policy = legal_hold.create_policy(legal, policy_values())
        matter = legal_hold.create_matter(legal, name="Acme v. Example", policy_id=policy.id)
        legal_hold.add_custodians(legal, matter, [str(world["user"]), str(world["seller"])])
        matter_id = matter.id
    real = kinds.JobContext.progress
    calls = {"n": 0}

    def dying(self, done, total=None, checkpoint=None):
        real(self, done, total, checkpoint)
        if checkpoint is not None:
            calls["n"] += 1
            if calls["n"] == 4:  # after the first custodian's devices and events, within the second's
                raise jobs.JobLost(self.job_id)  # as its worker sees when another took the job: it stops

    monkeypatch.setattr(kinds.JobContext, "progress", dying)
    sign_in("legal@acme.test")
    job_id = _job(client.post(f"/legal-hold/matters/{matter_id}/collect", data={
        "custodian": "", "date_from": "", "date_to": ""}))
    monkeypatch.setattr(kinds.JobContext, "progress", real)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.checkpoint["parts_done"] == 4 and job.state == "running"
        assert jobs.reclaim_stale(0, now=utcnow() + timedelta(minutes=5)) == [job_id]
        run_job(job_id)
        job = db.session.get(Job, job_id)
        assert job.state == "succeeded" and job.attempts == 2
    archive, manifest = _check_package(_download(client, job_id))
    assert manifest["events"] == 6
    assert sorted(n for n in archive.namelist() if n.endswith("events.csv")) == [
        "custodians/seller@acme.test/events.csv", "custodians/user@acme.test/events.csv"]
    assert len(archive.namelist()) == len(set(archive.namelist()))
    assert collection_jobs.KIND == job.kind
