"""Fixtures for the agent: a state directory, server settings, and a stub agent API on 127.0.0.1."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from webconsole_agent.config import Config
from webconsole_agent.state import State

GUID, SECRET = "100000000000000001", "s3cret-never-shown"


def server_settings(included=(), excluded=(), exclusions=(r".*\.tmp$",), destinations=(), locked=()):
    """Settings as the server sends them: {group: {key: {"value", "locked"}}}; `locked` names "group.key"s."""
    values = {"backup": {"backup_sets": [{"name": "Default", "included_paths": list(included),
                                          "excluded_paths": list(excluded), "destinations": list(destinations)}],
                         "filename_exclusions": list(exclusions), "frequency_minutes": 15},
              "general": {"away_minutes": 15}}
    return {group: {key: {"value": value, "locked": f"{group}.{key}" in locked} for key, value in keys.items()}
            for group, keys in values.items()}


class Stub:
    """A scripted agent API: answers queued per path (else a default), every request recorded."""

    def __init__(self, settings):
        self.settings = settings
        self.requests = []  # (method, path, headers, body)
        self.scripted = {}  # path -> [(status, body)]
        self.stored = []  # event ids the stub "stored", once each
        self.commands = []
        self.guids = iter([GUID, "100000000000000002", "100000000000000003"])

    def script(self, path, *answers):
        """Answer the next requests to `path` with these (status, body) pairs, in order."""
        self.scripted.setdefault(path, []).extend(answers)

    def bodies(self, path):
        """The JSON bodies of the requests to `path`."""
        return [body for _m, p, _h, body in self.requests if p == path]

    def answer(self, method, path, headers, body):
        self.requests.append((method, path, headers, body))
        if self.scripted.get(path):
            return self.scripted[path].pop(0)
        if path == "/api/agent/v1/register":
            return 201, {"guid": next(self.guids), "secret": SECRET, "heartbeat_seconds": 60,
                         "settings": self.settings}
        if path == "/api/agent/v1/heartbeat":
            commands, self.commands = self.commands, []
            return 200, {"heartbeat_seconds": 60, "settings": self.settings, "commands": commands}
        if path == "/api/agent/v1/file-events":
            ids = [e["eventId"] for e in body["events"]]
            new = [i for i in ids if i not in self.stored]
            self.stored.extend(new)
            return 200, {"received": len(ids), "stored": len(new), "duplicates": len(ids) - len(new)}
        if path == "/api/agent/v1/client-version":
            return 200, {"current": "1.0.0", "update": False, "version": "1.0.0", "notes": ""}
        if path.startswith("/api/agent/v1/commands/"):
            return 200, {"id": int(path.split("/")[-2]), "status": "done"}
        return 404, {"error": {"code": "not_found", "message": "no such path"}}


def _handler(stub):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            status, body = stub.answer(self.command, self.path, dict(self.headers),
                                       json.loads(raw) if raw else None)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def home(tmp_path):
    """A folder to back up."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def stub(home, monkeypatch):
    """A running stub server backing up `home`; stub.url is its address."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    api = Stub(server_settings(included=[str(home)]))
    httpd = HTTPServer(("127.0.0.1", 0), _handler(api))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    api.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield api
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def state_dir(tmp_path):
    return tmp_path / "state"


@pytest.fixture
def state(state_dir):
    with State(state_dir) as opened:
        yield opened


@pytest.fixture
def config(stub, state_dir):
    """A configuration for the stub server, with registration credentials."""
    return Config(server=stub.url, registration_key="ABCD-EFGH-JKLM-NPQR", username="una@example.com",
                  password="correct horse", state_dir=state_dir)
