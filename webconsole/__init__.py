"""Webconsole: a self-hosted browser console for an organisation's endpoint fleet."""
import os
import time

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from webconsole.config import Config, from_environment


def create_app(test_config=None):
    """Build the app: config, extensions, blueprints and the shared web plumbing."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(from_environment(os.environ))
    else:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "webconsole.db")
    if not app.config.get("STORAGE_DIR"):
        app.config["STORAGE_DIR"] = os.path.join(app.instance_path, "storage")
    if app.config["SECRET_KEY"] == "dev" and not (app.debug or app.testing):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    if app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"])
    app.config["STARTED_AT"] = time.time()

    _init_extensions(app)
    from webconsole.web import compression, errors, htmx, inputs, security, static_files, templating, two_factor, urls
    # Registered first, so it runs after every other after_request hook and compresses the final body.
    compression.init_app(app)
    urls.init_app(app)
    inputs.init_app(app)
    errors.init_app(app)
    htmx.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    static_files.init_app(app)
    two_factor.init_app(app)

    from webconsole.blueprints import register_blueprints
    register_blueprints(app)

    from webconsole import cli, jobs
    from webconsole.domain import alert_evaluation  # noqa: F401 - rules evaluate every commit of file events
    jobs.init_app(app)
    cli.init_app(app)
    return app


def _instance_secret(instance_path):
    """A random secret kept in instance/, made on first start, so no deployment runs on "dev"."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        # Written aside and linked into place, so a worker starting at the same moment reads
        # either no file or a whole one, never a half-written secret.
        staged = f"{path}.{os.getpid()}"
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(os.urandom(32).hex())
        try:
            os.link(staged, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(staged)
    with open(path) as f:
        return f.read().strip()


def _init_extensions(app):
    from sqlalchemy import event

    from webconsole.domain.sessions import load_session_user
    from webconsole.extensions import babel, csrf, db, htmx, login_manager, migrate
    from webconsole.web.errors import unauthorized
    from webconsole.web.i18n import select_locale
    from webconsole.web.sessions import DoorSessionInterface

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.user_loader(load_session_user)
    app.session_interface = DoorSessionInterface()
    login_manager.unauthorized_handler(unauthorized)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # The listener keeps the value, not the app: Flask-SQLAlchemy holds the engine weakly by its app,
        # and an engine holding its app would keep every app a process creates (the tests create hundreds).
        cache_kib = app.config["SQLITE_CACHE_KIB"]
        with app.app_context():
            @event.listens_for(db.engine, "connect")
            def sqlite_pragmas(dbapi_connection, _record):
                # WAL lets readers work while a writer commits; foreign keys are off by default.
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA busy_timeout=5000")
                cursor.execute("PRAGMA synchronous=NORMAL")
                # A larger page cache keeps the file-event indexes' hot pages in memory while batches land.
                cursor.execute(f"PRAGMA cache_size=-{cache_kib}")
                cursor.close()
