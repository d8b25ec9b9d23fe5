"""JSON over HTTP(S) to the console's agent API (/api/agent/v1)."""
import http.client
import json
import urllib.error
import urllib.request

from webconsole_agent import __version__

TIMEOUT = 30
USER_AGENT = f"webconsole-agent/{__version__}"
ACKNOWLEDGED = (200, 201)


class Unreachable(Exception):
    """The server could not answer now (connection error, timeout, 5xx, 429): try again later."""


class ApiError(Exception):
    """The server refused the request with a 4xx; `code`, `field` and `event_id` come from its error body."""

    def __init__(self, status, code, message, field=None, event_id=None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.field, self.event_id = status, code, message, field, event_id


def _error(status, raw):
    try:
        body = json.loads(raw.decode("utf-8")).get("error") or {}
    except (ValueError, UnicodeDecodeError, AttributeError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    return ApiError(status, str(body.get("code") or f"http_{status}"), str(body.get("message") or ""),
                    body.get("field"), body.get("eventId"))


class Client:
    """The agent API of one server; `credentials` is (guid, secret) once the device is registered."""

    def __init__(self, server, credentials=None, timeout=TIMEOUT):
        self.base = server.rstrip("/") + "/api/agent/v1"
        self.credentials = credentials
        self.timeout = timeout

    def call(self, method, path, body=None):
        """(status, JSON answer) of one request; ApiError for a 4xx, Unreachable when there is no usable answer."""
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.credentials:
            headers["Authorization"] = "Device {}:{}".format(*self.credentials)
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as e:
            with e:
                raw = e.read()
            if e.code >= 500 or e.code in (408, 429):
                raise Unreachable(f"the server answered {e.code}") from None
            raise _error(e.code, raw) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
            raise Unreachable(f"cannot reach {self.base}: {getattr(e, 'reason', e)}") from None
        try:
            answer = json.loads(raw.decode("utf-8")) if raw else {}
        except (ValueError, UnicodeDecodeError):
            raise Unreachable(f"the server's answer to {path} is not JSON") from None
        if not isinstance(answer, dict):
            raise Unreachable(f"the server's answer to {path} is not a JSON object")
        return status, answer

    def register(self, payload):
        """Register the device; the answer holds guid, secret, heartbeat_seconds and settings."""
        return self.call("POST", "/register", payload)[1]

    def heartbeat(self, payload):
        """Report status; the answer holds heartbeat_seconds, settings and commands."""
        return self.call("POST", "/heartbeat", payload)[1]

    def send_events(self, events):
        """Send a batch of file events; returns only when the server acknowledged (stored) the batch."""
        status, answer = self.call("POST", "/file-events", {"events": events})
        if status not in ACKNOWLEDGED:
            raise Unreachable(f"the server answered {status} to a batch without acknowledging it")
        return answer

    def post_result(self, command_id, output, exit_status):
        """Post the output of a command the server sent."""
        self.call("POST", f"/commands/{int(command_id)}/result", {"output": output, "exit_status": exit_status})

    def backup_plan(self):
        """Where this device backs up: its destinations' repositories, passwords and the versions to keep."""
        return self.call("GET", "/backup-plan")[1]

    def client_version(self):
        """Which agent version the server offers this device."""
        return self.call("GET", "/client-version")[1]
