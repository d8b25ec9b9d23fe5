"""A list exported as a job: every row its owner may see, once, even when its worker stops mid-way."""
import csv

import pytest

from webconsole.domain import audit, jobs
from webconsole.extensions import db
from webconsole.jobs import exports
from webconsole.jobs.kinds import JobContext
from webconsole.models import Job, User
from webconsole.web.lists import ListParams, spec_for

# Jobs run in app contexts or processes of their own, which must see committed data.
pytestmark = pytest.mark.committed


@pytest.fixture(autouse=True)
def job_files(app, tmp_path):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")


def _export(actor, **filters):
    """Start an export job of the Audit Log by `actor` (run at once by the test queue)."""
    spec = spec_for("audit")
    params = ListParams(sort="at", dir="asc", filters=filters)
    return jobs.start_job(exports.KIND, actor=actor, label="Audit export", permission="audit.view",
                          params=exports.export_params(spec, params, spec.default_columns))


def _objects(actor, job):
    """The Object column of the job's CSV, heading left out."""
    path, _name = jobs.result_for(actor, job.id)
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [row[4] for row in csv.reader(f)][1:]


def test_a_worker_stopped_mid_export_goes_on_from_its_checkpoint(app, world, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 2)
    with app.app_context():
        for n in range(7):
            audit.record("property.set", object_label=f"entry {n}")
        db.session.commit()
    reports = []
    report = JobContext.progress

    def stop_once(context, done, total=None, checkpoint=None):
        reports.append(done)
        if len(reports) == 3:
            # The worker is stopped after a page reached the file, before its checkpoint was stored.
            raise KeyboardInterrupt
        return report(context, done, total, checkpoint)

    monkeypatch.setattr(JobContext, "progress", stop_once)
    with app.app_context():
        auditor = db.session.get(User, world["auditor"])
        job = db.session.get(Job, _export(auditor, event="property.set").id)
        assert (job.state, job.done, job.total, job.attempts) == ("succeeded", 7, 7, 2)
        assert reports == [0, 2, 4, 4, 6, 7]  # the interrupted page was written again, from its checkpoint
        assert _objects(auditor, job) == [f"entry {n}" for n in range(7)]


def test_the_export_holds_what_its_owner_may_see_now(app, world):
    with app.app_context():
        audit.record("property.set", object_label="visible to auditors")
        db.session.commit()
        helpdesk = db.session.get(User, world["helpdesk"])
        job = _export(helpdesk)  # the Audit Log is outside a Help Desk user's scope
        assert job.state == "succeeded" and job.done == 0
        auditor = db.session.get(User, world["auditor"])
        assert "visible to auditors" in _objects(auditor, _export(auditor))
