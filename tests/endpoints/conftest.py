"""End-to-end fixtures: the console as a real server process on the test database."""
import pytest

from tests.endpoints.server import ConsoleProcess


@pytest.fixture
def console(app, database_url, tmp_path):
    """A running console (gunicorn) on the test database, agents heartbeating every second."""
    server = ConsoleProcess(database_url, heartbeat_seconds=1, log_path=tmp_path / "console.log").start()
    yield server
    server.stop()
