"""Kinds of job: a name and the function that runs it with a JobContext.

A job's function may be stopped at any moment (its worker killed) and run again by another worker:
it reports progress with a checkpoint, and when run again it goes on from `context.checkpoint`.
"""
import os

from flask_babel import lazy_gettext as _l

from webconsole.domain import jobs
from webconsole.extensions import db
from webconsole.models import User

KINDS = {}
# {kind: fn(actor, job)}: what a download of a job of that kind records (a legal-hold package's is audited).
DOWNLOAD_AUDITS = {}


class JobFailed(Exception):
    """The job cannot finish; the message (safe to show to its owner) says why."""


def job_kind(name):
    """Register the decorated function as the runner of jobs of kind `name`."""
    def decorator(fn):
        KINDS[name] = fn
        return fn
    return decorator


class JobContext:
    """What a running job's function uses: its parameters, its owner, its checkpoint, progress and files."""

    def __init__(self, job, worker):
        self.job_id, self.worker, self.user_id = job.id, worker, job.user_id
        self.params = dict(job.params or {})
        self.checkpoint = job.checkpoint  # None on a first run
        self.done, self.total = job.done, job.total
        self.attempt = job.attempts
        self.result_path = self.result_name = ""

    def actor(self):
        """The user who started the job, as they are now: a job runs with its owner's current rights."""
        user = db.session.get(User, self.user_id) if self.user_id else None
        if user is None or not user.is_active:
            raise JobFailed(_l("The person who started this job can no longer run it."))
        return user

    def progress(self, done, total=None, checkpoint=None):
        """Store how far the job has got (and where to go on from if it is stopped); commits."""
        jobs.report(self.job_id, self.worker, done, total, checkpoint)
        self.done = done
        if total is not None:
            self.total = total
        if checkpoint is not None:
            self.checkpoint = checkpoint

    def path(self, name):
        """The path of the job's file `name`, in its own folder under instance/jobs/."""
        folder = jobs.folder(self.job_id)
        os.makedirs(folder, exist_ok=True)
        return os.path.join(folder, os.path.basename(name))

    def result(self, name, download_name):
        """The job's file `name` is its result, downloaded as `download_name`."""
        self.result_path, self.result_name = os.path.basename(name), download_name
