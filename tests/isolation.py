"""How tests keep out of each other's way on the one test database.

By default a test runs inside one database transaction that is rolled back at its end: every session
of every app the test creates on the test database uses that connection, and their commits end
savepoints. Triggers (the per-org totals) and the FTS5 indexes roll back with it.

A test whose data must be committed for another connection, thread or process (a server process, an
export's progress written on its own connection, the bulk importer, migrations) is marked
`@pytest.mark.committed`: it commits for real, and every table is emptied after it, back to the migrated
state with the built-in roles. Opening a second connection in a rolled-back test fails at once and says so.
"""
import threading

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine

from webconsole.domain.permissions import sync_builtin_roles
from webconsole.extensions import db


def rolled_back(app):
    """The app on one connection whose transaction is rolled back after the test; sessions use savepoints."""
    with app.app_context():
        engine = db.engine
        connection = engine.connect()
        if connection.dialect.name == "sqlite":
            # pysqlite opens a transaction only before DML, so a SAVEPOINT would begin (and its RELEASE
            # commit) the real one: take BEGIN over from the driver.
            connection.connection.driver_connection.isolation_level = None
            connection.exec_driver_sql("BEGIN")
        else:
            connection.begin()
    options = db.session.session_factory.kw  # shared by every app: restored below
    before = dict(options)
    options["join_transaction_mode"] = "create_savepoint"
    _shared.extend([connection, threading.get_ident()])
    try:
        yield app
    finally:
        _shared.clear()
        options.clear()
        options.update(before)
        with app.app_context():
            db.session.remove()
        connection.rollback()
        connection.close()
        engine.dispose()


# The connection of the running test's transaction, while there is one: every session of every app the
# test creates on the test database uses it, and no other connection may be opened there.
_shared = []  # [connection, id of the test's thread]
_MARK_IT = ("This test's data is in a transaction that is rolled back at its end, and the code {what}: "
            "mark the test @pytest.mark.committed.")
_get_bind = FlaskSession.get_bind


def _get_shared_bind(self, *args, **kwargs):
    """Flask-SQLAlchemy's choice of engine, replaced by the test's connection when it is the test database."""
    bind = _get_bind(self, *args, **kwargs)
    if _shared and getattr(bind, "url", None) == _shared[0].engine.url:
        if threading.get_ident() != _shared[1]:
            raise RuntimeError(_MARK_IT.format(what="used the database from another thread"))
        return _shared[0]
    return bind


FlaskSession.get_bind = _get_shared_bind


@event.listens_for(Engine, "engine_connect")
def _refuse_second_connection(connection):
    """A second connection would neither see the test's data nor be rolled back with it: say what to do."""
    if _shared and connection is not _shared[0] and connection.engine.url == _shared[0].engine.url:
        raise RuntimeError(_MARK_IT.format(what="opened another connection to the database (the bulk importer, "
                                                "an export's progress, migrations, a server)"))


def committed(app):
    """The app committing for real; afterwards every table is emptied back to the migrated state."""
    yield app
    with app.app_context():
        empty_database()


def empty_database():
    """Every table emptied back to the migrated state with the built-in roles (inside an app context)."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    _reset_storage_engine_tables()
    db.session.commit()
    sync_builtin_roles()
    db.engine.dispose()


# Tables that migrations create beside the models (SQLite's name and path indexes): {name: rows after
# migrating} for plain ones, None for FTS5 tables, which are emptied with their 'delete-all' command.
_storage_tables = {}


def record_migrated_state():
    """Remember the tables no model describes as the migrations left them (inside the set-up's app context)."""
    _storage_tables.update(_storage_engine_tables())


def _storage_engine_tables():
    """The tables no model describes, with their rows as the migrations left them."""
    names = set(inspect(db.engine).get_table_names()) - set(db.metadata.tables) - {"alembic_version"}
    if db.engine.dialect.name != "sqlite":
        return {name: db.session.execute(text(f"SELECT * FROM {name}")).all() for name in sorted(names)}
    virtual = set(db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "AND sql LIKE 'CREATE VIRTUAL TABLE%'")))
    tables = {name: None for name in virtual}
    for name in sorted(names - virtual):
        if not any(name.startswith(fts + "_") for fts in virtual):  # FTS5 keeps its own shadow tables
            tables[name] = db.session.execute(text(f"SELECT * FROM {name}")).all()
    return tables


def _reset_storage_engine_tables():
    """Put the tables no model describes back as the migrations left them."""
    for name, rows in _storage_tables.items():
        if rows is None:
            db.session.execute(text(f"INSERT INTO {name} ({name}) VALUES ('delete-all')"))
            continue
        db.session.execute(text(f"DELETE FROM {name}"))
        for row in rows:
            values = row._asdict()
            columns = ", ".join(values)
            db.session.execute(text(f"INSERT INTO {name} ({columns}) VALUES "
                                    f"({', '.join(':' + c for c in values)})"), values)
