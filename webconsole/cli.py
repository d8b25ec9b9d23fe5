"""Command-line set-up: `flask --app wsgi setup`, `flask --app wsgi demo`."""
import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from webconsole.domain.dashboard import record_storage_usage
from webconsole.domain.database import refresh_statistics
from webconsole.domain.demo import DEMO_SIGNINS, database_is_empty, demo_row_count, load_demo
from webconsole.domain.permissions import sync_builtin_roles


def init_app(app):
    app.cli.add_command(setup)
    app.cli.add_command(demo)
    app.cli.add_command(record_usage)


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
            _load(users=200, devices=400)
        _print_signins()


@click.command("record-usage")
@with_appcontext
def record_usage():
    """Store today's storage use per org and destination (run daily, e.g. from cron)."""
    record_storage_usage()
    click.echo("Storage use recorded.")


@click.command()
@with_appcontext
@click.option("--users", default=200, show_default=True, help="How many users (up to 100 000 and more).")
@click.option("--devices", default=400, show_default=True, help="How many devices (up to 200 000 and more).")
def demo(users, devices):
    """Load demo data into an empty database."""
    upgrade()
    if not database_is_empty():
        raise click.ClickException(
            "The database already holds data. Point DATABASE_URL at an empty database "
            "(or remove instance/webconsole.db) to load demo data.")
    _load(users, devices)
    _print_signins()


def _load(users, devices):
    password = current_app.config["DEMO_PASSWORD"]
    with click.progressbar(length=demo_row_count(users, devices), label="Loading demo data") as bar:
        load_demo(password, users=users, devices=devices, progress=bar.update)


def _print_signins():
    click.echo("Demo sign-ins, password from WEBCONSOLE_DEMO_PASSWORD "
               f"(here: {current_app.config['DEMO_PASSWORD']!r}):")
    for username, _first, _last, role, _org in DEMO_SIGNINS:
        click.echo(f"  {username:24} {role}")
