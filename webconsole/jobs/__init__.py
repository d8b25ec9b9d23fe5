"""Background jobs: the queue (huey), the kinds of job, and the periodic work the worker runs.

`flask --app wsgi worker` runs them; `huey` is the queue, for huey's own tools.
"""
from webconsole.jobs.queue import huey

__all__ = ["huey", "init_app"]


def init_app(app):
    """Configure the queue for `app` and register every kind of job and periodic task."""
    from webconsole.jobs import (  # noqa: F401 - registers kinds
        alerts,
        cases,
        collections,
        exports,
        notifications,
        periodic,
        queue,
        restores,
    )
    queue.init_app(app)
