"""Command-line set-up: `flask --app wsgi setup`, `flask --app wsgi demo`."""
import os

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from webconsole.demo import simulator
from webconsole.demo.data import DEMO_SIGNINS, database_is_empty, demo_row_count, load_demo
from webconsole.domain.dashboard import record_storage_usage
from webconsole.domain.permissions import sync_builtin_roles
from webconsole.domain.storage import local_destination
from webconsole.extensions import db
from webconsole.jobs.worker import worker
from webconsole.models import User
from webconsole.store.database import refresh_statistics
from webconsole.store.event_import import FORMATS, ImportRefused, import_file


def init_app(app):
    app.cli.add_command(setup)
    app.cli.add_command(demo)
    app.cli.add_command(record_usage)
    app.cli.add_command(simulate)
    app.cli.add_command(import_events)
    app.cli.add_command(worker)


@click.command()
@with_appcontext
@click.option("--demo/--no-demo", "with_demo", default=False, help="Load demo data when the database is empty.")
def setup(with_demo):
    """Apply migrations, sync the built-in roles, and (with --demo) load demo data into an empty database."""
    upgrade()
    sync_builtin_roles()
    refresh_statistics()
    if not database_is_empty():
        record_storage_usage()
    click.echo("Database is up to date.")
    if with_demo:
        if database_is_empty():
            _load(users=200, devices=400, events=20_000)
        _print_signins()
    # After the demo's check for an empty database: this destination is in every database.
    local_destination()
    db.session.commit()


@click.command("record-usage")
@with_appcontext
def record_usage():
    """Store today's storage use per org and destination now (the worker does it daily)."""
    record_storage_usage()
    click.echo("Storage use recorded.")


@click.command()
@with_appcontext
@click.option("--users", default=200, show_default=True, help="How many users (up to 100 000 and more).")
@click.option("--devices", default=400, show_default=True, help="How many devices (up to 200 000 and more).")
@click.option("--events", default=0, show_default=True, help="How many file events (up to 10 million and more).")
def demo(users, devices, events):
    """Load demo data into an empty database."""
    upgrade()
    if not database_is_empty():
        raise click.ClickException(
            "The database already holds data. Point DATABASE_URL at an empty database "
            "(or remove instance/webconsole.db) to load demo data.")
    _load(users, devices, events)
    _print_signins()


def _load(users, devices, events=0):
    password = current_app.config["DEMO_PASSWORD"]
    with click.progressbar(length=demo_row_count(users, devices, events), label="Loading demo data") as bar:
        load_demo(password, users=users, devices=devices, progress=bar.update, events=events)


def _print_signins():
    click.echo("Demo sign-ins, password from WEBCONSOLE_DEMO_PASSWORD "
               f"(here: {current_app.config['DEMO_PASSWORD']!r}):")
    for username, _first, _last, role, _org in DEMO_SIGNINS:
        click.echo(f"  {username:24} {role}")


@click.command()
@with_appcontext
@click.option("--devices", default=10, show_default=True, help="How many simulated agents.")
@click.option("--events-per-minute", default=60, show_default=True, help="File events per minute, over all of them.")
@click.option("--url", default="http://127.0.0.1:5000/", show_default=True, help="The console the agents talk to.")
@click.option("--username", default="user@example.com", show_default=True,
              help="The user the simulated devices register for.")
@click.option("--password", default=None, help="That user's password (default: the demo password).")
@click.option("--registration-key", default=None,
              help="The registration key (default: that of the user's organization in this database).")
@click.option("--duration", default=None, type=int, help="Stop after this many seconds (default: Ctrl+C).")
def simulate(devices, events_per_minute, url, username, password, registration_key, duration):
    """Run simulated agents that speak the real agent protocol over HTTP (demos and load tests)."""
    if registration_key is None:
        registration_key = _registration_key_of(username)
    password = password or current_app.config["DEMO_PASSWORD"]
    click.echo(f"Registering {devices} simulated devices with {url} ...")
    try:
        stats, _registration = simulator.run(url, devices, events_per_minute, registration_key, username, password,
                                             duration=duration, echo=click.echo)
    except simulator.ProtocolError as error:
        raise click.ClickException(f"The console refused the simulated agents: {error}") from None
    click.echo(simulator.table(stats.summary()))


def _registration_key_of(username):
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user {username} in this database: pass --registration-key and --username.")
    return user.org.registration_key


@click.command("import-events")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="jsonl or csv (default: from the file name, else JSON Lines when it starts with '{').")
def import_events(file, fmt):
    """Import file events from JSON Lines or CSV (the original's v1 field names); bad lines are skipped."""
    try:
        with click.progressbar(length=os.path.getsize(file), label="Importing file events") as bar:
            result = import_file(file, fmt, progress=bar.update)
    except ImportRefused as error:
        raise click.ClickException(str(error)) from None
    for number, reason in result.errors:
        click.echo(f"line {number}: {reason}", err=True)
    if result.refused > len(result.errors):
        click.echo(f"... and {result.refused - len(result.errors)} more lines refused", err=True)
    click.echo(f"Imported {result.stored} events ({result.duplicates} already stored, "
               f"{result.refused} lines refused).")
    if result.refused:
        raise click.exceptions.Exit(1)
