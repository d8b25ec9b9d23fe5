"""The job queue (huey): SQLite in instance/ by default, Redis when WEBCONSOLE_REDIS_URL is set.

There is one queue per process, configured by the app that process creates (create_app calls
init_app). The web server only puts job ids in it; `flask --app wsgi worker` runs them. The
queue holds no more than a job's id: the job's row in the database (domain.jobs) holds the rest,
so a job that a dead worker took out of the queue is put back from its row (see `watch`).
"""
import logging
import os
import socket
import threading
import uuid

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from huey import MemoryHuey
from huey.signals import SIGNAL_INTERRUPTED
from huey.storage import SqliteStorage

from webconsole.domain import jobs
from webconsole.domain.errors import DomainError
from webconsole.extensions import db
from webconsole.jobs.kinds import KINDS, JobContext, JobFailed

logger = logging.getLogger(__name__)

# Results live in the jobs table, not in the queue. Until init_app chooses the storage, tasks stay in memory.
huey = MemoryHuey("webconsole", results=False, utc=True)
_state = {"app": None}
_running = set()  # ids of the jobs this process runs, whose leases `watch` renews
_worker = {}


def init_app(app):
    """Point the queue at the app's storage: in memory and run at once when testing, else Redis or SQLite."""
    app.config.setdefault("JOBS_IMMEDIATE", None)
    immediate = app.config["JOBS_IMMEDIATE"]
    _state["app"] = app
    huey.immediate = app.testing if immediate is None else bool(immediate)
    if huey.immediate:
        return
    url = app.config.get("REDIS_URL")
    if url:
        huey.storage = _redis_storage(url)
    else:
        path = app.config.get("JOBS_QUEUE_PATH") or os.path.join(app.instance_path, "jobs-queue.db")
        huey.storage = SqliteStorage("webconsole", filename=path)


def _redis_storage(url):
    """Huey's Redis storage at `url`; a clear error when the optional redis package is missing."""
    try:
        import redis  # noqa: F401
    except ImportError:
        raise RuntimeError("WEBCONSOLE_REDIS_URL is set, but the redis package is not installed: "
                           "pip install 'webconsole[redis]' (or unset WEBCONSOLE_REDIS_URL to use the "
                           "SQLite queue in instance/).") from None
    from huey.storage import RedisStorage
    return RedisStorage("webconsole", url=url)


def worker_name():
    """This process's name in the jobs it runs: host, process id and a random part (process ids recur)."""
    pid = os.getpid()
    if pid not in _worker:
        _worker[pid] = f"{socket.gethostname()[:80]}:{pid}:{uuid.uuid4().hex[:8]}"
    return _worker[pid]


def lease_seconds():
    """How long a job's worker may stay silent before the job is taken up again."""
    return current_app.config["JOBS_LEASE_SECONDS"]


def enqueue(job_id):
    """Queue job `job_id` (recorded and committed already); in immediate mode it runs now."""
    run_job(job_id)


@huey.task()
def run_job(job_id):
    """Run job `job_id` in an app context, unless it is finished or a live worker has it."""
    app = current_app._get_current_object() if has_app_context() else _state["app"]
    # A context of its own, so that the job's session is never that of a request that queued it.
    with app.app_context():
        _run(job_id)


def _run(job_id):
    """Claim the job, run its kind, and record how it ended (a lost lease ends it quietly)."""
    worker = worker_name()
    job = jobs.claim(job_id, worker, lease_seconds())
    if job is None:
        return
    _running.add(job_id)
    try:
        handler = KINDS.get(job.kind)
        if handler is None:
            raise JobFailed(_l("This kind of job (%(kind)s) is unknown to this server.", kind=job.kind))
        context = JobContext(job, worker)
        handler(context)
        jobs.succeed(job_id, worker, context.result_path, context.result_name)
    except jobs.JobLost:
        db.session.rollback()
        logger.info("Job %s was cancelled or taken up by another worker; this one stops.", job_id)
    except (JobFailed, DomainError) as error:
        db.session.rollback()
        jobs.fail(job_id, worker, str(error))
    except Exception:
        db.session.rollback()
        logger.exception("Job %s failed", job_id)
        jobs.fail(job_id, worker, str(_l("The job stopped on an unexpected error. The server's log has the details.")))
    finally:
        _running.discard(job_id)


@huey.signal(SIGNAL_INTERRUPTED)
def _requeue_interrupted(_signal, task):
    """A worker told to stop now gives its running jobs back to the queue instead of waiting for its lease."""
    if not isinstance(task, run_job.task_class):
        return
    with _state["app"].app_context():
        job_id = task.args[0]
        if jobs.release(job_id, worker_name()):
            enqueue(job_id)


def watch_once():
    """Renew the leases of this process's jobs, and queue again those whose worker went silent."""
    jobs.touch(set(_running), worker_name())
    for job_id in jobs.reclaim_stale(lease_seconds()):
        logger.warning("Job %s lost its worker; queued again.", job_id)
        enqueue(job_id)


def watch(app, stop):
    """Until `stop` is set: watch_once, a few times per lease (a worker process runs this in a thread)."""
    interval = app.config["JOBS_LEASE_SECONDS"] / 4
    while True:
        with app.app_context():
            try:
                watch_once()
            except Exception:
                db.session.rollback()
                logger.exception("Watching the jobs' leases failed; trying again.")
        if stop.wait(interval):
            return


def start_watch(app):
    """A daemon thread running `watch`; the Event that stops it."""
    stop = threading.Event()
    threading.Thread(target=watch, args=(app, stop), name="jobs-watch", daemon=True).start()
    return stop
