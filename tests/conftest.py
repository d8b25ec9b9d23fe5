"""Fixtures: an app on a migrated database (SQLite by default, PostgreSQL with TEST_DATABASE_URL).

Set-up runs inside an app context and the fixtures yield outside it, so that test-client requests
never share `g` (Flask-Login's user and Flask-Babel's locale) with each other.

Each test runs inside one database transaction that is rolled back at its end; a test whose data
another connection, thread or process must see is marked `@pytest.mark.committed` (tests/isolation.py).
"""
import atexit
import os
import shutil
import tempfile

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from tests import compiled, databases, isolation
from webconsole import create_app
from webconsole.domain.orgs import create_org
from webconsole.domain.passwords import hash_password
from webconsole.domain.permissions import role_by_key, sync_builtin_roles
from webconsole.extensions import db
from webconsole.models import Device, Org, User

PASSWORD = "correct horse battery staple"
HX = {"HX-Request": "true"}


_SCRATCH = tempfile.mkdtemp(prefix="webconsole-tests-")
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)


def base_config(url):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
        "LIST_PAGE_SIZE": 5,
        "SERVER_NAME": None,
        # The Keystore's master key, outside the checkout's instance/ folder.
        "MASTER_KEY_FILE": os.path.join(_SCRATCH, "master.key"),
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = databases.for_worker(url, worker_id)
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
    app = create_app(base_config(url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # A throwaway server, but be sure the schema comes from the migrations alone.
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        sync_builtin_roles()  # every test starts from here: migrated, with the built-in roles
        isolation.record_migrated_state()
        db.engine.dispose()
    return url


@pytest.fixture
def app(request, database_url):
    """A new app on the test database; its data rolls back after the test unless marked `committed`."""
    app = create_app(base_config(database_url))
    compiled.share_templates(app)
    # The console fixture serves the test database from another process: it needs committed data.
    if request.node.get_closest_marker("committed") or "console" in request.fixturenames:
        yield from isolation.committed(app)
    else:
        yield from isolation.rolled_back(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_org(app):
    """make_org(name, parent_id=None) -> org id."""
    def make(name, parent_id=None):
        with app.app_context():
            parent = db.session.get(Org, parent_id) if parent_id else None
            org = create_org(name, parent)
            db.session.commit()
            return org.id
    return make


@pytest.fixture
def make_user(app):
    """make_user(username, role_key, org_id, **fields) -> user id (password: PASSWORD)."""
    def make(username, role=None, org_id=None, **fields):
        with app.app_context():
            user = User(username=username, email=username, password_hash=hash_password(PASSWORD),
                        org_id=org_id, **fields)
            if role:
                user.roles.append(role_by_key(role))
            db.session.add(user)
            db.session.commit()
            return user.id
    return make


@pytest.fixture
def sign_in(client):
    """sign_in(username) through the real form."""
    def do(username, password=PASSWORD, client=client):
        return client.post("/auth/signin", data={"username": username, "password": password})
    return do


@pytest.fixture
def make_device(app):
    """make_device(user_id, name, **fields) -> device id, in the owner's org."""
    def make(user_id, name, **fields):
        with app.app_context():
            owner = db.session.get(User, user_id)
            fields.setdefault("os", "windows")
            device = Device(name=name, hostname=name.lower(), user_id=user_id, org_id=owner.org_id, **fields)
            db.session.add(device)
            db.session.commit()
            return device.id
    return make


@pytest.fixture
def world(make_org, make_user, make_device):
    """A small org tree with one user per kind of scope, and devices spread over it."""
    root = make_org("Acme")
    eng = make_org("Engineering", root)
    platform = make_org("Platform", eng)
    sales = make_org("Sales", root)
    ids = {"root": root, "eng": eng, "platform": platform, "sales": sales}
    ids["admin"] = make_user("admin@acme.test", "cloud_admin", root, first_name="Ada", last_name="Admin")
    ids["orgadmin"] = make_user("orgadmin@acme.test", "org_admin", eng)
    ids["helpdesk"] = make_user("helpdesk@acme.test", "help_desk", root)
    ids["auditor"] = make_user("auditor@acme.test", "audit_viewer", root)
    ids["user"] = make_user("user@acme.test", "desktop_user", platform)
    ids["seller"] = make_user("seller@acme.test", "desktop_user", sales)
    ids["user_laptop"] = make_device(ids["user"], "USER-LAPTOP")
    ids["user_mac"] = make_device(ids["user"], "User Mac", os="macos")
    ids["seller_laptop"] = make_device(ids["seller"], "SELLER-LAPTOP")
    return ids


@pytest.fixture
def s3_endpoint():
    """An S3 protocol server on loopback (moto's server mode) with the bucket "backups"; its address."""
    import socket

    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test-key-id", aws_secret_access_key="test-secret",
                 region_name="us-east-1").create_bucket(Bucket="backups")
    yield endpoint
    server.stop()


@pytest.fixture(scope="session")
def oidc_issuer():
    """A real OpenID provider on loopback (tests/oidc_provider.py) whose client returns to the test client."""
    from tests.oidc_provider import running_provider

    with running_provider(["http://localhost/sso/callback"]) as issuer:
        yield issuer
