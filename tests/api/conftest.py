"""The REST API served over HTTP on loopback, for the real Code42 clients (py42, code42cli)."""
import os
import threading

import pytest
from sqlalchemy import insert, select
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from webconsole.domain.passwords import hash_password
from webconsole.extensions import db
from webconsole.models import Device, User


@pytest.fixture
def served(app):
    """This test's app served on a free loopback port (its data must be committed: mark the test so);
    the base URL, as the clients take it (http://, no path)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def cli_home(tmp_path, monkeypatch):
    """An isolated home for code42cli (its profiles and a plaintext keyring): the environment to run it in."""
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(name, None)
    return env


def load_crowd(app, org_id, many):
    """`many` more users in `org_id`, one device each, loaded in bulk (committed): lists past a client's page."""
    with app.app_context():
        digest = hash_password(PASSWORD)
        db.session.execute(insert(User), [
            {"username": f"crowd{n:04d}@acme.test", "email": f"crowd{n:04d}@acme.test", "first_name": "Crowd",
             "last_name": f"{n:04d}", "org_id": org_id, "password_hash": digest, "uid": str(10**17 + n)}
            for n in range(many)])
        ids = db.session.scalars(select(User.id).where(User.username.like("crowd%"))).all()
        db.session.execute(insert(Device), [
            {"name": f"CROWD-{n:04d}", "hostname": f"crowd-{n:04d}", "os": "linux", "user_id": user_id,
             "org_id": org_id, "guid": str(2 * 10**17 + n)} for n, user_id in enumerate(ids)])
        db.session.commit()
