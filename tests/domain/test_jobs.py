"""Job records: the lease that lets a job outlive its worker, who sees which jobs, and why a job failed."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from webconsole.domain import jobs
from webconsole.extensions import db
from webconsole.jobs.kinds import KINDS, JobFailed
from webconsole.models import AuditEvent, Job, User


@pytest.fixture
def kinds(monkeypatch):
    """Register test kinds of job for one test."""
    def register(name, fn):
        monkeypatch.setitem(KINDS, name, fn)
    return register


@pytest.fixture(autouse=True)
def job_files(app, tmp_path):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")


def _record(app, user_id=None, state="queued"):
    """A job row (not queued), of `user_id` in their org; its id."""
    with app.app_context():
        user = db.session.get(User, user_id) if user_id else None
        job = Job(kind="test", label="Test", state=state, user_id=user_id, org_id=getattr(user, "org_id", None))
        db.session.add(job)
        db.session.commit()
        return job.id


def test_one_worker_owns_a_job_until_its_lease_runs_out(app):
    job_id = _record(app)
    with app.app_context():
        assert jobs.claim(job_id, "one", 60).worker == "one"
        assert jobs.claim(job_id, "two", 60) is None  # one is alive
        jobs.report(job_id, "one", 3, 10, {"at": 3})
        assert jobs.reclaim_stale(60) == []
        # One goes silent: its lease runs out, and the job goes back to the queue, where two takes it up.
        db.session.execute(update(Job).values(heartbeat_at=Job.heartbeat_at - timedelta(seconds=61)))
        db.session.commit()
        assert jobs.reclaim_stale(60) == [job_id]
        job = jobs.claim(job_id, "two", 60)
        assert (job.worker, job.done, job.checkpoint, job.attempts) == ("two", 3, {"at": 3}, 2)
        with pytest.raises(jobs.JobLost):
            jobs.report(job_id, "one", 4)  # one woke up: it must stop, not write over two's work
        jobs.succeed(job_id, "two")
        assert jobs.claim(job_id, "three", 60) is None
        assert db.session.get(Job, job_id).state == "succeeded"


def test_a_person_sees_their_jobs_and_an_admin_sees_all(app, world):
    mine, theirs = _record(app, world["user"]), _record(app, world["seller"])
    system = _record(app)
    with app.app_context():
        user, admin = db.session.get(User, world["user"]), db.session.get(User, world["admin"])
        assert jobs.job_for(user, mine).id == mine
        for other in (theirs, system):
            with pytest.raises(jobs.NotFound):
                jobs.job_for(user, other)
        assert {jobs.job_for(admin, j).id for j in (mine, theirs, system)} == {mine, theirs, system}


def test_a_job_runs_its_kind_and_stores_its_result(app, world, kinds):
    def write(context):
        with open(context.path("out.txt"), "w") as out:
            out.write(context.actor().username)
        context.progress(1, 1)
        context.result("out.txt", "my result.txt")

    kinds("test.write", write)
    with app.app_context():
        user = db.session.get(User, world["user"])
        job = jobs.start_job("test.write", actor=user, label="Write")  # the test queue runs it at once
        assert (job.state, job.done, job.total, job.error) == ("succeeded", 1, 1, "")
        path, name = jobs.result_for(user, job.id)
        assert open(path).read() == "user@acme.test" and name == "my result.txt"


def test_a_failed_job_says_why(app, world, kinds):
    def refuse(context):
        raise JobFailed("The list was gone.")

    def crash(context):
        raise RuntimeError("secret internals")

    kinds("test.refuse", refuse)
    kinds("test.crash", crash)
    with app.app_context():
        assert jobs.start_job("test.refuse").error == "The list was gone."
        crashed = jobs.start_job("test.crash")
        assert crashed.state == "failed"
        assert "unexpected error" in crashed.error and "secret" not in crashed.error
        assert jobs.start_job("test.unknown").error.startswith("This kind of job (test.unknown) is unknown")


def test_a_job_runs_with_its_owner_as_they_are_now(app, world, kinds):
    kinds("test.noop", lambda context: context.actor())
    with app.app_context():
        user = db.session.get(User, world["user"])
        user.blocked = True
        db.session.commit()
        assert "can no longer run it" in jobs.start_job("test.noop", actor=user).error


def test_a_result_is_served_only_from_its_jobs_folder(app, world):
    job_id = _record(app, world["user"], state="succeeded")
    with app.app_context():
        db.session.execute(update(Job).values(result_path="../../secret_key"))
        db.session.commit()
        with pytest.raises(jobs.NotFound):
            jobs.result_for(db.session.get(User, world["user"]), job_id)


def test_a_cancelled_job_stops_its_worker_and_an_admins_cancel_is_audited(app, world):
    job_id = _record(app, world["user"])
    with app.app_context():
        assert jobs.claim(job_id, "one", 60) is not None
        admin = db.session.get(User, world["admin"])
        assert jobs.cancel(admin, job_id) is True
        with pytest.raises(jobs.JobLost):
            jobs.report(job_id, "one", 5)  # the worker learns at its next report, and stops
        assert jobs.claim(job_id, "two", 60) is None and jobs.reclaim_stale(0) == []
        assert jobs.cancel(admin, job_id) is False  # finished already
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "job.cancel"))
        assert (entry.actor_username, entry.object_id) == ("admin@acme.test", str(job_id))
        with pytest.raises(jobs.NotFound):
            jobs.cancel(db.session.get(User, world["seller"]), job_id)
