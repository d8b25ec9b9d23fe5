"""Heartbeats at fleet scale: sustained heartbeats/s and latency with 200 000 registered devices.

    python bench/heartbeats.py [--database-url URL] [--devices 200000] [--processes 2] [--threads 8]
                               [--duration 30] [--burst 500] [--changed 0.1]

Without --database-url a fresh SQLite database in a temporary folder; with one (PostgreSQL from
scripts/with-postgres.sh: "$TEST_DATABASE_URL") the demo loader fills it if it is empty. Every
device gets the same secret (one UPDATE), so clients can authenticate as any of them.

The clients call the real WSGI app in-process: --processes worker processes (each its own app and
connection pool, as gunicorn workers are), each running --threads threads with a werkzeug test
client, POSTing /api/agent/v1/heartbeat with the device's backup state per destination; a share
--changed of the heartbeats report new archive bytes (a backup running), which moves the org's
totals rows. Latency is measured around each call, so it includes waiting for the GIL, the pool
and the database's locks. CPU ms each is the worker processes' CPU time (client threads included)
per heartbeat: on a shared machine the steadier figure, and what sets heartbeats/s per core.

1. raw: the same processes and threads run only the statements an idle heartbeat cannot avoid (find
   the device by GUID, update its last_connected, commit) through SQLAlchemy Core, no Flask: the
   baseline of the run.
2. fleet: random active devices of the whole fleet, for --duration seconds.
3. burst: --burst devices of ONE org, each heartbeating once with new archive bytes, all clients
   started together; against the same number of devices spread over every org. On PostgreSQL the
   deadlocks counted by pg_stat_database before and after are reported.

Prints Markdown tables; paste them into docs/benchmarks.md.
"""
import argparse
import hashlib
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, select, text, update  # noqa: E402
from timing import p95  # noqa: E402

from webconsole import create_app  # noqa: E402
from webconsole.demo.data import load_demo  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import BackupState, Destination, Device, Org  # noqa: E402
from webconsole.models.base import utcnow  # noqa: E402
from webconsole.store.database import recount_org_totals  # noqa: E402

PASSWORD, SECRET = "bench-password", "bench-device-secret"
URL = "/api/agent/v1/heartbeat"


def _app(url):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "TESTING": False, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 32}})


def prepare(url, devices):
    """Load the fleet if the database is empty; give every device SECRET; return the active devices
    as {org id: [(guid, [(destination guid, archive bytes)])]}."""
    app = _app(url)
    with app.app_context():
        upgrade()
        if not db.session.scalar(select(func.count()).select_from(Org)):
            started = time.perf_counter()
            _load(app, devices)
            print(f"loaded {devices} devices in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        db.session.execute(update(Device).values(secret_hash=hashlib.sha256(SECRET.encode()).hexdigest()))
        db.session.commit()
        states = {}
        for device_id, guid, archive in db.session.execute(
                select(BackupState.device_id, Destination.guid, BackupState.archive_bytes)
                .join(Destination, Destination.id == BackupState.destination_id)):
            states.setdefault(device_id, []).append((guid, archive))
        fleet = {}
        for device_id, guid, org_id in db.session.execute(
                select(Device.id, Device.guid, Device.org_id).where(Device.status == "active")):
            fleet.setdefault(org_id, []).append((guid, states.get(device_id, [])))
        total = db.session.scalar(select(func.count()).select_from(Device))
    return fleet, total


def _load(app, devices):
    """The demo loader; on PostgreSQL with the totals triggers off, the totals summed afterwards.

    A trigger updating one org's totals row per device inserted, 15 000 times in one transaction,
    walks a chain of row versions that grows with each: the load ran past a quarter of an hour.
    """
    if db.engine.dialect.name != "postgresql":
        load_demo(PASSWORD, users=devices // 2, devices=devices)
        return
    loader = _app(db.engine.url.render_as_string(hide_password=False))

    def no_triggers(connection, _record):
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        connection.commit()

    with loader.app_context():
        event.listen(db.engine, "connect", no_triggers)
        db.engine.dispose()
        load_demo(PASSWORD, users=devices // 2, devices=devices)
        db.session.remove()
        db.engine.dispose()
    recount_org_totals()
    db.session.commit()


def _body(states, changed, rng):
    grow = rng.random() < changed
    return {"agent_version": "1.4.2", "backup": [
        {"destination_guid": guid, "selected_files": 1000, "selected_bytes": archive,
         "archive_bytes": archive + (rng.randint(1, 10**6) if grow else 0),
         "percent_complete": 100} for guid, archive in states]}


def _worker(url, mode, work, threads, duration, changed, seed, start_at, results):
    """One process: `threads` threads heartbeating (or running the raw statements) as `work` says."""
    app = _app(url)
    with app.app_context():
        db.engine.connect().close()
    samples, lock = [], threading.Lock()

    def run(n):
        rng = random.Random(seed * 1000 + n)
        client = app.test_client()
        mine = []
        own = work[n::threads] if mode == "burst" else work
        while time.time() < start_at:
            time.sleep(0.001)
        deadline = time.perf_counter() + duration
        i = 0
        while (i < len(own)) if mode == "burst" else (time.perf_counter() < deadline):
            guid, states = own[i] if mode == "burst" else rng.choice(own)
            i += 1
            started = time.perf_counter()
            if mode == "raw":
                _raw(app, guid)
            else:
                body = _body(states, 1.0 if mode == "burst" else changed, rng)
                response = client.post(URL, json=body, headers={"Authorization": f"Device {guid}:{SECRET}"})
                assert response.status_code == 200, response.get_data(as_text=True)
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            samples.extend(mine)

    pool = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    cpu = time.process_time()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    results.put((samples, time.process_time() - cpu))


def _raw(app, guid):
    with app.app_context():
        with db.engine.begin() as connection:
            device_id = connection.scalar(select(Device.id).where(Device.guid == guid))
            connection.execute(update(Device).where(Device.id == device_id).values(last_connected=utcnow()))


def measure(url, mode, work, processes, threads, duration, changed):
    """(heartbeats, seconds, median ms, p95 ms, max ms, CPU ms per heartbeat) of one run of every worker process."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 8  # every process has built its app and connected by then
    shares = [work[p::processes] for p in range(processes)] if mode == "burst" else [work] * processes
    workers = [context.Process(target=_worker, args=(url, mode, shares[p], threads, duration, changed, p, start_at,
                                                     results)) for p in range(processes)]
    for w in workers:
        w.start()
    samples, cpu = [], 0.0
    for _ in workers:
        found, seconds = results.get()
        samples.extend(found)
        cpu += seconds
    elapsed = time.time() - start_at
    for w in workers:
        w.join()
    samples.sort()
    seconds = duration if mode != "burst" else elapsed
    return len(samples), seconds, statistics.median(samples), p95(samples), samples[-1], cpu * 1000 / len(samples)


def _deadlocks(url):
    if not url.startswith("postgresql"):
        return None
    app = _app(url)
    with app.app_context():
        return db.session.scalar(text("SELECT sum(deadlocks) FROM pg_stat_database"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--devices", type=int, default=200_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--changed", type=float, default=0.1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{os.path.join(folder, 'heartbeats.db')}"
        fleet, total = prepare(url, args.devices)
        everyone = [device for devices in fleet.values() for device in devices]
        random.Random(1).shuffle(everyone)
        busiest = max(fleet, key=lambda org_id: len(fleet[org_id]))
        one_org = fleet[busiest][:args.burst]
        spread = [devices[i] for i in range(args.burst) for devices in fleet.values() if i < len(devices)][:args.burst]
        print(f"{total} devices ({len(everyone)} active, {len(fleet)} orgs) on {url.split(':')[0]}; "
              f"{args.processes} processes x {args.threads} threads; load {os.getloadavg()[0]:.2f}\n")
        print("| run | heartbeats | seconds | per second | median ms | p95 ms | max ms | CPU ms each |\n"
              "|---|---:|---:|---:|---:|---:|---:|---:|")
        rates = {}
        for name, mode, work in (("raw: find device, update last_connected, commit (Core, no Flask)", "raw", everyone),
                                 (f"fleet: heartbeat of a random device, {args.changed:.0%} with new bytes", "fleet",
                                  everyone)):
            count, seconds, median, high, top, cpu = measure(url, mode, work, args.processes, args.threads,
                                                             args.duration, args.changed)
            rates[mode] = count / seconds
            print(f"| {name} | {count} | {seconds:.1f} | {count / seconds:.0f} | {median:.1f} | {high:.1f} | "
                  f"{top:.1f} | {cpu:.2f} |")
        before = _deadlocks(url)
        for name, work in ((f"burst: {len(one_org)} devices of one org, new bytes, at once", one_org),
                           (f"burst: {len(spread)} devices over {len(fleet)} orgs, new bytes, at once", spread)):
            count, seconds, median, high, top, cpu = measure(url, "burst", work, args.processes, args.threads, 0, 1.0)
            print(f"| {name} | {count} | {seconds:.1f} | {count / seconds:.0f} | {median:.1f} | {high:.1f} | "
                  f"{top:.1f} | {cpu:.2f} |")
        after = _deadlocks(url)
        print(f"\nfleet / raw: {rates['fleet'] / rates['raw']:.2f}; load {os.getloadavg()[0]:.2f}"
              + (f"; deadlocks during the bursts: {after - before}" if before is not None else ""))


if __name__ == "__main__":
    main()
