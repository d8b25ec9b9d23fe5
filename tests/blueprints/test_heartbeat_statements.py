"""A heartbeat is a handful of statements, however deep the org tree and whatever its settings."""
from contextlib import contextmanager

from sqlalchemy import event

from tests.blueprints.test_agent_api import API, auth, register
from tests.domain.test_settings import form
from webconsole.domain import settings
from webconsole.extensions import db
from webconsole.models import Destination, DeviceCommand, User

BOUND = 6


@contextmanager
def counted(app):
    """Collects the SQL statements sent while the block runs."""
    statements = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args):
        # The test's isolation wraps each request in a savepoint: not the heartbeat's own work.
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _set_up(app, client, world):
    with app.app_context():
        cloud, local = Destination(name="Cloud", kind="cloud"), Destination(name="Local", kind="server")
        db.session.add_all([cloud, local])
        db.session.commit()
        admin = db.session.get(User, world["admin"])
        backup = form("backup", backup_sets=[{"name": "Home", "included_paths": ["~"], "excluded_paths": [],
                                              "destinations": [cloud.id, local.id]}])
        settings.set_inheritance(admin, world["eng"], "backup", inherit=False)
        settings.save_group(admin, world["eng"], "backup", backup, "push")
        settings.save_group(admin, world["root"], "security", form("security"), "lock")
        guids = cloud.guid, local.guid
    answer = register(client, app, world).get_json()
    return auth(answer), guids


def _report(guids, archive_bytes):
    return {"agent_version": "1.0.1", "backup": [
        {"destination_guid": guid, "selected_files": 10, "selected_bytes": 1000, "archive_bytes": archive_bytes + n,
         "percent_complete": 50} for n, guid in enumerate(guids)]}


def test_a_heartbeat_is_a_handful_of_statements(app, client, world):
    headers, guids = _set_up(app, client, world)
    # The first heartbeat may store the org's effective settings and create the backup states.
    assert client.post(f"{API}/heartbeat", json=_report(guids[:1], 100), headers=headers).status_code == 200
    cases = {
        "nothing to report": {},
        "the same backup state again": _report(guids[:1], 100),
        "bytes changed (the org's totals move)": _report(guids[:1], 200),
    }
    for case, body in cases.items():
        with counted(app) as statements:
            response = client.post(f"{API}/heartbeat", json=body, headers=headers)
        assert response.status_code == 200, case
        assert len(statements) <= BOUND, (case, statements)


def test_a_heartbeat_with_a_pending_command_stays_within_the_bound(app, client, world):
    headers, _guids = _set_up(app, client, world)
    assert client.post(f"{API}/heartbeat", json={}, headers=headers).status_code == 200
    with app.app_context():
        device_id = db.session.scalar(db.text("SELECT id FROM devices WHERE hostname = 'una-laptop'"))
        db.session.add(DeviceCommand(device_id=device_id, command="status", arguments="", created_by=world["admin"]))
        db.session.commit()
    with counted(app) as statements:
        answer = client.post(f"{API}/heartbeat", json={}, headers=headers).get_json()
    assert [c["command"] for c in answer["commands"]] == ["status"]
    assert len(statements) <= BOUND, statements
