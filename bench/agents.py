"""The agent protocol under load: file-event batches and a fleet of heartbeating devices.

    python bench/agents.py [--batches 30] [--preload 200] [--devices 500] [--heartbeat 15] [--duration 90]

1. Batch acknowledgement: through the real app and test client on a fresh SQLite database, one
   device uploads --preload batches of 1000 events (so the table and its indexes are not empty),
   then --batches more are timed from request (an encoded JSON body) to acknowledgement, in wall
   time and in the CPU time of this process (the request runs in it: on a busy machine the steady
   figure). Each batch holds the next minute's events, as a device's uploads do; event ids are
   UUIDv7, as the reference agent's are. The worker's file-name index catch-up runs (as every minute
   in production) after every 60 preloaded batches, untimed.
2. Fleet: gunicorn (as `make run` starts it) on another fresh SQLite database, --devices simulated
   agents (webconsole.demo.simulator, real HTTP) heartbeating every --heartbeat seconds for --duration
   seconds, each uploading its share of 60 events per minute per 10 devices. Latency is measured by
   the clients, so it includes queueing in the server.

Prints Markdown tables; paste them into docs/benchmarks.md.
"""
import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from flask_migrate import upgrade  # noqa: E402
from timing import p95  # noqa: E402

from webconsole import create_app  # noqa: E402
from webconsole.demo import simulator  # noqa: E402
from webconsole.demo.data import load_demo  # noqa: E402
from webconsole.demo.events import fake_events  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import User  # noqa: E402
from webconsole.models.base import utcnow  # noqa: E402
from webconsole.store import name_search  # noqa: E402

PASSWORD = "bench-password"


def _app(path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "TESTING": False})
    with app.app_context():
        upgrade()
        load_demo(PASSWORD, users=50, devices=0)
        key = db.session.scalar(db.select(User).where(User.username == "user@example.com")).org.registration_key
    return app, key


def batches(path, preload, runs):
    app, key = _app(path)
    client = app.test_client()
    answer = client.post("/api/agent/v1/register", json={
        "registration_key": key, "username": "user@example.com", "password": PASSWORD, "hostname": "bench",
        "os": "linux"}).get_json()
    auth = {"Authorization": f"Device {answer['guid']}:{answer['secret']}"}
    rng = random.Random(7)
    samples, cpu = [], []
    # As on a real device, each batch holds the newest events: batch n covers minute n of the run.
    start = utcnow() - timedelta(minutes=preload + runs)
    for n in range(preload + runs):
        end = start + timedelta(minutes=n + 1)
        body = json.dumps({"events": fake_events(rng, 1000, end, span=timedelta(minutes=1))})
        started, used = time.perf_counter(), time.process_time()
        response = client.post("/api/agent/v1/file-events", data=body, content_type="application/json",
                               headers=auth)
        elapsed, used = (time.perf_counter() - started) * 1000, (time.process_time() - used) * 1000
        assert response.status_code == 200 and response.get_json()["stored"] == 1000, response.get_data()
        if n >= preload:
            samples.append(elapsed)
            cpu.append(used)
        elif n % 60 == 59 or n == preload - 1:
            with app.app_context():
                name_search.catch_up()
    samples.sort()
    cpu.sort()
    print(f"| 1000-event batch acknowledged ({preload * 1000} events already stored) | {len(samples)} | "
          f"{statistics.median(samples):.1f} | {p95(samples):.1f} | {samples[-1]:.1f} | "
          f"{statistics.median(cpu):.1f} | {p95(cpu):.1f} |")


def fleet(path, devices, heartbeat, duration):
    _app_unused, key = _app(path)
    port = 5590
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench",
           "WEBCONSOLE_AGENT_HEARTBEAT_SECONDS": str(heartbeat)}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                               "--threads", "4", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/auth/signin", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        stats, registration = simulator.run(url, devices, devices * 6, key, "user@example.com", PASSWORD,
                                            duration=duration, echo=lambda line: print(line, file=sys.stderr))
        print(simulator.table({"register (once per device)": registration, **stats.summary()}))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--preload", type=int, default=200)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--heartbeat", type=int, default=15)
    parser.add_argument("--duration", type=int, default=90)
    parser.add_argument("--skip-fleet", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("| measure | runs | median ms | p95 ms | max ms | median CPU ms | p95 CPU ms |\n"
              "|---|---:|---:|---:|---:|---:|---:|")
        batches(os.path.join(folder, "batches.db"), args.preload, args.batches)
        if not args.skip_fleet:
            print()
            fleet(os.path.join(folder, "fleet.db"), args.devices, args.heartbeat, args.duration)


if __name__ == "__main__":
    main()
