"""Periodic work, run by the worker (replacing cron): daily storage use, retention, the nightly check of the
backup repositories, the name index catch-up.

The daily work runs as jobs, so an administrator sees it in Jobs and it outlives a worker's restart.
The name index catch-up runs every minute and is idempotent, so it is a plain task.
"""
from functools import wraps

from flask_babel import lazy_gettext as _l
from huey import crontab

from webconsole.domain import jobs, repository_checks, retention
from webconsole.domain.dashboard import record_storage_usage
from webconsole.jobs.kinds import job_kind
from webconsole.jobs.queue import _state, huey
from webconsole.store import name_search


def _in_app(fn):
    """Run the periodic task inside the worker's app context."""
    @wraps(fn)
    def wrapped():
        with _state["app"].app_context():
            return fn()
    return wrapped


@job_kind("usage.record")
def _record_usage(context):
    """Store today's storage use per org and destination."""
    record_storage_usage()
    context.progress(1, 1)


@job_kind("retention.prune")
def _prune(context):
    """Prune old sign-in attempts, audit entries and finished jobs (audited)."""
    pruned = retention.prune()
    context.progress(len(pruned), len(pruned))


@job_kind("repositories.check")
def _check_repositories(context):
    """restic check of every repository this server stores, each result kept on it."""
    repository_checks.check_all(context.progress)


@huey.periodic_task(crontab(minute="15", hour="0"))
@_in_app
def daily_usage():
    """Each day after midnight (UTC): record the day's storage use."""
    jobs.start_job("usage.record", label=str(_l("Daily storage use")))


@huey.periodic_task(crontab(minute="45", hour="0"))
@_in_app
def daily_retention():
    """Each day after midnight (UTC): prune what the retention properties no longer keep."""
    jobs.start_job("retention.prune", label=str(_l("Retention")))


@huey.periodic_task(crontab(minute="30", hour="1"))
@_in_app
def daily_repository_check():
    """Each night (UTC): check the backup repositories this server stores."""
    jobs.start_job("repositories.check", label=str(_l("Backup repository check")))


@huey.periodic_task(crontab(minute="*"))
@_in_app
def name_index_catch_up():
    """Every minute: index the file names and paths stored since, in short steps (name_search.catch_up)."""
    name_search.catch_up()
