"""Browser tests: Debian's Chromium through Playwright, against a live server with demo data."""
import os
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import make_server

from tests import databases
from tests.conftest import base_config
from webconsole import create_app
from webconsole.demo.data import load_demo
from webconsole.extensions import db

DEMO_PASSWORD = "browser-demo-password"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args,
            "executable_path": os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium"),
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, worker_id):
    url = os.environ.get("BROWSER_DATABASE_URL")
    url = databases.for_worker(url, worker_id) if url else \
        "sqlite:///" + str(tmp_path_factory.mktemp("browser") / "demo.db")
    config = {**base_config(url), "WTF_CSRF_ENABLED": True, "LIST_PAGE_SIZE": 50, "TESTING": False,
              "DEMO_PASSWORD": DEMO_PASSWORD, "SIGNIN_MAX_FAILURES": 1000}
    app = create_app(config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        load_demo(DEMO_PASSWORD, users=200, devices=400)
    return app


@pytest.fixture(scope="session")
def base_url(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def sign_in(page, base_url):
    """sign_in(username, locale=None): sign in through the form; lands on the user's home page."""
    def do(username, locale=None, target=page):
        if locale:
            target.context.add_cookies([{"name": "locale", "value": locale, "url": base_url}])
        target.goto(base_url + "/auth/signin")
        target.fill("input[name=username]", username)
        target.fill("input[name=password]", DEMO_PASSWORD)
        target.click("button[type=submit]")
        target.wait_for_url(lambda url: "/auth/signin" not in url)
        return target
    return do
