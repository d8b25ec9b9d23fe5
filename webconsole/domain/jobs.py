"""Background jobs: their records, who may see them, and the lease that lets a job outlive its worker.

A job is a row (models.Job) and a task in the queue (webconsole.jobs). The row says what a person
sees: state, progress, the result file or why it failed. A worker claims a job by writing its name
and a heartbeat into the row, and renews the heartbeat while it runs. A worker that dies stops
renewing it: once the lease has run out, any worker may take the job up again from its last
checkpoint. Every change is a conditional UPDATE, so two workers never both own a job.
"""
import os
import shutil
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, or_, select, update

from webconsole.domain import audit
from webconsole.domain.errors import NotFound
from webconsole.domain.queries import search
from webconsole.domain.scope import permissions_of, scope_for
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import Job, Org, User
from webconsole.models.base import utcnow

STATES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")
ERROR_MAX = 1000
MAX_ATTEMPTS = 5


class JobLost(Exception):
    """The worker no longer owns the job: it was cancelled, or its lease ran out and another worker took it."""


def start_job(kind, *, actor=None, label="", params=None, permission=""):
    """Record a job of `kind` started by `actor` (None: the console itself), commit it and queue it."""
    job = Job(kind=kind, label=label[:255], params=params or {}, permission=permission,
              user_id=getattr(actor, "id", None), org_id=getattr(actor, "org_id", None))
    db.session.add(job)
    db.session.commit()
    from webconsole.jobs.queue import enqueue  # here: the queue module imports this one
    try:
        enqueue(job.id)
    except Exception:  # noqa: BLE001 - any storage failure: the row must not claim the job is waiting
        current_app.logger.exception("Job %s could not be queued", job.id)
        fail(job.id, None, str(_l("The job could not be queued. Try again later.")))
    db.session.refresh(job)
    return job


def _owned(job_id, worker):
    """The condition "job `job_id` is running on `worker`"."""
    return (Job.id == job_id) & (Job.state == "running") & (Job.worker == worker)


def _write(stmt):
    """Run one conditional UPDATE and commit it; how many rows it changed."""
    changed = db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return changed


def claim(job_id, worker, lease_seconds):
    """Take job `job_id` for `worker`: a queued one, or a running one whose lease ran out. The Job, or None
    when it is finished, owned by a live worker, or gone."""
    now = utcnow()
    stale = now - timedelta(seconds=lease_seconds)
    taken = _write(update(Job).where(
        Job.id == job_id,
        or_(Job.state == "queued", (Job.state == "running") & (Job.heartbeat_at < stale)),
    ).values(state="running", worker=worker, heartbeat_at=now, attempts=Job.attempts + 1, error=""))
    if not taken:
        return None
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    if job.started_at is None:
        _write(update(Job).where(Job.id == job_id).values(started_at=now))
    return job


def report(job_id, worker, done, total=None, checkpoint=None):
    """Store how far `worker` has got with the job (and where to go on from); JobLost if it is not its own."""
    values = {"done": done, "heartbeat_at": utcnow()}
    if total is not None:
        values["total"] = total
    if checkpoint is not None:
        values["checkpoint"] = checkpoint
    if not _write(update(Job).where(_owned(job_id, worker)).values(**values)):
        raise JobLost(job_id)


def touch(job_ids, worker):
    """Renew the lease of the jobs `worker` is running."""
    if job_ids:
        _write(update(Job).where(Job.id.in_(list(job_ids)), Job.state == "running", Job.worker == worker)
               .values(heartbeat_at=utcnow()))


def succeed(job_id, worker, result_path="", result_name=""):
    """The job is done; its result (if any) is `result_path` in its folder, downloaded as `result_name`."""
    if not _write(update(Job).where(_owned(job_id, worker)).values(
            state="succeeded", finished_at=utcnow(), result_path=result_path, result_name=result_name[:255])):
        raise JobLost(job_id)


def fail(job_id, worker, message):
    """The job stopped for good; `message` (safe to show) says why. `worker` None: whoever holds it."""
    owner = Job.id == job_id if worker is None else _owned(job_id, worker)
    _write(update(Job).where(owner, Job.state.in_(("queued", "running")))
           .values(state="failed", finished_at=utcnow(), error=str(message)[:ERROR_MAX]))


def release(job_id, worker):
    """Give the job back to the queue (its worker is stopping); the caller queues it again."""
    return bool(_write(update(Job).where(_owned(job_id, worker)).values(state="queued", worker="")))


def reclaim_stale(lease_seconds, now=None):
    """Put back in the queue the jobs whose worker stopped renewing their lease; their ids (to queue).
    A job whose workers died MAX_ATTEMPTS times fails instead: it may be what kills them."""
    stale = (now or utcnow()) - timedelta(seconds=lease_seconds)
    lapsed = (Job.state == "running") & (Job.heartbeat_at < stale)
    _write(update(Job).where(lapsed, Job.attempts >= MAX_ATTEMPTS).values(
        state="failed", finished_at=utcnow(),
        error=str(_l("Its worker stopped %(n)d times while running it.", n=MAX_ATTEMPTS))))
    ids = db.session.scalars(select(Job.id).where(lapsed)).all()
    return [job_id for job_id in ids if _write(update(Job).where(Job.id == job_id, lapsed)
                                               .values(state="queued", worker=""))]


# -- who sees what ---------------------------------------------------------------------------------

def visible(actor):
    """The condition on jobs that `actor` may see: their own, and with jobs.view_all those in its scope."""
    own = Job.user_id == actor.id
    scope = scope_for(actor, "jobs.view_all")
    if scope.kind == "all":
        return Job.id.is_not(None)
    if scope.kind == "subtree":
        subtree = select(Org.id).where(Org.path.startswith(scope.org_path, autoescape=True))
        return or_(own, Job.org_id.in_(subtree))
    return own


def jobs_list(actor, params):
    """Select of the jobs `actor` may see, for the Jobs list, filtered by state and searched by label."""
    percent = case((Job.state == "succeeded", 100), (Job.total > 0, Job.done * 100 / Job.total), else_=0)
    stmt = (select(Job.id, Job.created_at, Job.label, Job.kind, Job.state, Job.done, Job.total, Job.finished_at,
                   percent.label("percent"), func.coalesce(User.username, "").label("owner"))
            .outerjoin(User, User.id == Job.user_id).where(visible(actor)))
    if params.filters.get("state"):
        stmt = stmt.where(Job.state == params.filters["state"])
    return search(stmt, params.q, contains=(Job.label,))


def job_for(actor, job_id):
    """Job `job_id` when `actor` may see it; NotFound otherwise (whether it exists is not said)."""
    job_id = parse_id(job_id)  # beyond what the id column holds: no row has it, and PostgreSQL would refuse it
    job = db.session.scalar(select(Job).where(Job.id == job_id, visible(actor))) if job_id else None
    if job is None:
        raise NotFound(_l("No such job."))
    return job


def cancel(actor, job_id):
    """Stop a queued or running job that `actor` may see (audited); its worker stops at its next report."""
    job = job_for(actor, job_id)
    if not _write(update(Job).where(Job.id == job.id, Job.state.in_(("queued", "running")))
                  .values(state="cancelled", finished_at=utcnow())):
        return False
    audit.record("job.cancel", actor=actor, object_type="job", object_id=str(job.id), object_label=job.label)
    db.session.commit()
    return True


def folder(job_id):
    """The folder of job `job_id`'s files: instance/jobs/<id> (or JOBS_FOLDER/<id>)."""
    base = current_app.config.get("JOBS_FOLDER") or os.path.join(current_app.instance_path, "jobs")
    return os.path.join(base, str(int(job_id)))


def result_for(actor, job_id):
    """(path, download name) of the result of a job `actor` may see and may still read; NotFound otherwise."""
    job = job_for(actor, job_id)
    if job.state != "succeeded" or not job.result_path:
        raise NotFound(_l("This job has no result to download."))
    if job.permission and job.permission not in permissions_of(actor):
        raise NotFound(_l("No such job."))
    base = os.path.realpath(folder(job.id))
    path = os.path.realpath(os.path.join(base, job.result_path))
    # The name is the worker's own, but a row is data: never serve a file outside the job's folder.
    if os.path.dirname(path) != base or not os.path.isfile(path):
        raise NotFound(_l("This job's result file is no longer there."))
    return path, job.result_name or os.path.basename(path)


def prune_finished(cutoff):
    """Delete the jobs that finished before `cutoff`, and their files; how many."""
    ids = db.session.scalars(select(Job.id).where(Job.finished_at < cutoff)).all()
    for job_id in ids:
        shutil.rmtree(folder(job_id), ignore_errors=True)
    if ids:  # by the same condition, not by the ids: a year of jobs would bind one parameter each
        db.session.execute(delete(Job).where(Job.finished_at < cutoff))
    return len(ids)
