"""Importing a large file of file events: `flask import-events` on SQLite.

    python bench/import_events.py [--events 1000000] [--users 2000] [--devices 4000] [--keep]

In a temporary folder: a fresh SQLite database with demo users and devices, and a JSON Lines file
of --events realistic events (webconsole.demo.events, oldest first, as an export holds them)
whose deviceUserName and osHostName name those users and devices (one in twenty names no one).
The file is then imported through the real code path (webconsole.store.event_import.import_file:
worker processes read, decode and check the lines with parse_values into chunk files; this process
looks up owners and stores the chunks; the indexes dropped for the import are built again), and
imported a second time, when every event is a duplicate. Generating the file is not timed.

The baseline, in the same run: the rows the first import stored, read back and inserted into a copy of
the database as it was before the import by plain executemany calls of RAW_BATCH rows (each committed,
all indexes in place, as the app's connection has them), only the executemany and commit calls timed.
"import / raw" is the first import's time over the baseline's: what reading, checking and owner look-ups
cost beyond storing the same rows.

Prints Markdown table rows and the ratio; paste them into docs/benchmarks.md. "CPU s" adds up this process and the
workers; "others' CPU s" is what the rest of the machine used meanwhile (Linux), which a shared
machine's figures need beside them.
"""
import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from webconsole import create_app  # noqa: E402
from webconsole.demo.data import load_demo  # noqa: E402
from webconsole.demo.events import fake_event  # noqa: E402
from webconsole.domain.events import insert_statement  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import Device, FileEvent, User  # noqa: E402
from webconsole.models.base import utcnow  # noqa: E402
from webconsole.store import event_files  # noqa: E402
from webconsole.store.event_import import import_file  # noqa: E402


def write_events(path, count, owners, seed=7):
    """`count` events over the last 30 days, oldest first, one JSON object a line; the file's size."""
    rng = random.Random(seed)
    end = utcnow()
    start = end - timedelta(days=30)
    step = (end - start) / count
    with open(path, "w", encoding="utf-8") as stream:
        for n in range(count):
            username, hostname = rng.choice(owners) if rng.random() < 0.95 else ("contractor@elsewhere.test", "KIOSK")
            event = fake_event(rng, start + step * n, home=f"/home/{username.split('@')[0]}")
            event.update(deviceUserName=username, osHostName=hostname)
            stream.write(json.dumps(event, ensure_ascii=False) + "\n")
    return os.path.getsize(path)


RAW_BATCH = 10_000


def raw_executemany(app, source, columns):
    """(seconds, CPU seconds) the app's connection takes to executemany the rows of `source` (a SQLite file)
    into its database, RAW_BATCH at a time, each committed; reading them back is not timed."""
    statement, elapsed, cpu = insert_statement("sqlite", columns), 0.0, 0.0
    with closing(sqlite3.connect(source)) as reader, app.app_context(), db.engine.connect() as connection:
        cursor = reader.execute(f"SELECT {', '.join(columns)} FROM file_events ORDER BY id")
        while rows := cursor.fetchmany(RAW_BATCH):
            started, used = time.perf_counter(), time.process_time()
            connection.exec_driver_sql(statement, rows)
            connection.commit()
            elapsed, cpu = elapsed + time.perf_counter() - started, cpu + time.process_time() - used
    return elapsed, cpu


def _cpu_seconds():
    """User and system time of this process and of its children that have ended (the import's workers)."""
    return sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for field in ("ru_utime", "ru_stime"))


def _machine_cpu_seconds():
    """CPU time every process of the machine has used, from /proc/stat; None elsewhere than Linux."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:9]]
    except OSError:
        return None
    idle, iowait = ticks[3], ticks[4]
    return (sum(ticks) - idle - iowait) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--devices", type=int, default=4000)
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder (and say where it is).")
    parser.add_argument("--niceness", type=int, default=event_files.WORKER_NICENESS,
                        help="The parsing workers' niceness (a busy machine starves niced workers).")
    args = parser.parse_args()
    event_files.WORKER_NICENESS = args.niceness
    folder = tempfile.mkdtemp(prefix="webconsole-import-")
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "bench",
                          "TESTING": False})
        with app.app_context():
            upgrade()
            load_demo("bench-password", users=args.users, devices=args.devices)
            owners = [(username, hostname) for username, hostname in db.session.execute(
                select(User.username, Device.hostname).join(Device, Device.user_id == User.id))]
        with closing(sqlite3.connect(os.path.join(folder, "bench.db"))) as source, \
                closing(sqlite3.connect(os.path.join(folder, "raw.db"))) as copy:
            source.backup(copy)  # the database before the import, for the baseline
        path = os.path.join(folder, "events.jsonl")
        size = write_events(path, args.events, owners)
        print("| run | events in file | file MB | seconds | events/s | CPU s | others' CPU s | stored | "
              "already stored | refused |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        timings = {}
        for run in ("first import", "same file again"):
            with app.app_context():
                cpu, machine = _cpu_seconds(), _machine_cpu_seconds()
                started = time.perf_counter()
                result = import_file(path)
                elapsed = time.perf_counter() - started
                cpu = _cpu_seconds() - cpu
                others = f"{_machine_cpu_seconds() - machine - cpu:.1f}" if machine is not None else "?"
                total = db.session.scalar(select(func.count()).select_from(FileEvent))
            assert total == args.events and result.refused == 0, (total, result)
            timings[run] = elapsed, cpu
            print(f"| {run} | {args.events:,} | {size / 1e6:,.0f} | {elapsed:.1f} | {args.events / elapsed:,.0f} | "
                  f"{cpu:.1f} | {others} | {result.stored:,} | {result.duplicates:,} | {result.refused} |")
        raw_app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/raw.db", "SECRET_KEY": "bench",
                              "TESTING": False})
        columns = [c.name for c in FileEvent.__table__.columns if c.name != "id"]
        raw, raw_cpu = raw_executemany(raw_app, os.path.join(folder, "bench.db"), columns)
        (first, first_cpu), machine = timings["first import"], os.getloadavg()
        print(f"\nRaw executemany of the same {args.events:,} rows ({RAW_BATCH:,} a call, each committed): "
              f"{raw:.1f} s ({args.events / raw:,.0f} events/s), {raw_cpu:.1f} CPU s. First import / raw: "
              f"{first / raw:.2f} in time, {first_cpu / raw_cpu:.2f} in CPU time. Load {machine[0]:.1f}.")
    finally:
        if args.keep:
            print(f"Kept {folder}")
        else:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
