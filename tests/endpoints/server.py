"""The console as a real gunicorn process on loopback, which a test can kill and start again."""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ConsoleProcess:
    """gunicorn serving wsgi:app on `database_url`; `heartbeat_seconds` sets the agents' interval."""

    def __init__(self, database_url, heartbeat_seconds=1, log_path=None, env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Its master key and backup storage in a folder of its own, never the checkout's instance/.
        scratch = tempfile.mkdtemp(prefix="webconsole-console-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)  # it outlives restarts of the console
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "end-to-end",
                    "WEBCONSOLE_AGENT_HEARTBEAT_SECONDS": str(heartbeat_seconds),
                    "WEBCONSOLE_MASTER_KEY_FILE": os.path.join(scratch, "master.key"),
                    "WEBCONSOLE_STORAGE_DIR": os.path.join(scratch, "storage"), **(env or {})}
        self.log_path = log_path or os.devnull
        self.process = None

    def start(self):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--threads", "4", "wsgi:app"], cwd=ROOT, env=self.env, stdout=log, stderr=log,
            start_new_session=True)  # its own process group: kill() takes the workers down with it
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/auth/signin", timeout=5).close()
                return self
            # Refused until gunicorn listens; a read may time out while a busy machine boots the workers.
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.process.poll() is not None:
                    raise RuntimeError(f"the console exited with {self.process.returncode}") from None
                time.sleep(0.1)
        raise RuntimeError("the console did not start within 60 s")

    def kill(self):
        """SIGKILL to the arbiter and its workers: no graceful shutdown, requests in flight are cut off."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
