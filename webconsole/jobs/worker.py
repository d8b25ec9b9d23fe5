"""`flask --app wsgi worker`: run queued jobs and the periodic work, beside the web server."""
import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from webconsole.jobs.queue import huey, start_watch


@click.command()
@with_appcontext
@click.option("--workers", default=2, show_default=True, help="How many jobs run at the same time (threads).")
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="Also run the daily and periodic work; give --no-periodic to all workers of a deployment but one.")
def worker(workers, periodic):
    """Run background jobs until stopped (Ctrl+C waits for running jobs; SIGTERM hands them back to the queue)."""
    if huey.immediate:
        raise click.ClickException("Jobs run at once in this configuration (JOBS_IMMEDIATE or testing): "
                                   "there is no queue for a worker to read.")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
    for name in ("huey", "webconsole.jobs"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
    stop = start_watch(current_app._get_current_object())
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic,
                                    check_worker_health=True)
    try:
        consumer.run()
    finally:
        stop.set()
