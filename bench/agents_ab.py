"""An agent's file-event batch on two versions of the console at once, batches alternating between them.

    python bench/agents_ab.py BEFORE AFTER [--preload 200] [--batches 60]

BEFORE and AFTER are source trees of the console (for example `git archive <commit> | tar -x -C
/tmp/before`, with the virtual environment linked in as .venv). Each runs in a process of its own,
on a fresh SQLite database: one device uploads --preload batches of 1000 events, then --batches more
are timed, alternating between the two trees, so that both see the same load from the rest of the
machine. Besides the time from request to acknowledgement, the CPU time of the console's process is
reported: on a busy machine it is the steadier measure of what a change costs.
"""
import argparse
import os
import statistics
import subprocess
import sys

WORKER = r'''
import json, logging, os, random, sys, tempfile, time
from datetime import timedelta
tree, preload = sys.argv[1], int(sys.argv[2])
os.chdir(tree)
sys.path.insert(0, tree)
logging.disable(logging.INFO)
from flask_migrate import upgrade
from webconsole import create_app
from webconsole.demo.data import load_demo
from webconsole.demo.events import fake_events
from webconsole.extensions import db
from webconsole.models import User
from webconsole.models.base import utcnow
path = os.path.join(tempfile.mkdtemp(prefix="agents-ab-"), "bench.db")
app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                  "TESTING": False})
with app.app_context():
    upgrade()
    load_demo("bench-password", users=50, devices=0)
    key = db.session.scalar(db.select(User).where(User.username == "user@example.com")).org.registration_key
client = app.test_client()
answer = client.post("/api/agent/v1/register", json={"registration_key": key, "username": "user@example.com",
                     "password": "bench-password", "hostname": "bench", "os": "linux"}).get_json()
auth = {"Authorization": f"Device {answer['guid']}:{answer['secret']}"}
rng, start, sent = random.Random(7), utcnow() - timedelta(days=30), [0]
def batch():
    # As on a real device, each batch holds the next minute's events.
    end = start + timedelta(minutes=sent[0] + 1)
    sent[0] += 1
    body = json.dumps({"events": fake_events(rng, 1000, end, span=timedelta(minutes=1))})
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.post("/api/agent/v1/file-events", data=body, content_type="application/json", headers=auth)
    wall, cpu = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
    assert response.status_code == 200 and response.get_json()["stored"] == 1000, response.get_data()
    return wall, cpu
for _ in range(preload):
    batch()
print("ready", flush=True)
for _line in sys.stdin:
    print("%.2f %.2f" % batch(), flush=True)
'''


def p95(values):
    """The 95th percentile (nearest rank)."""
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def main():
    """Run both trees, alternate the timed batches, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs=2, metavar="TREE")
    parser.add_argument("--preload", type=int, default=200)
    parser.add_argument("--batches", type=int, default=60)
    args = parser.parse_args()
    workers = [subprocess.Popen([os.path.join(tree, ".venv", "bin", "python"), "-c", WORKER, os.path.abspath(tree),
                                 str(args.preload)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for tree in args.trees]
    for worker in workers:
        if worker.stdout.readline().strip() != "ready":
            sys.exit("a tree failed to start; run it alone to see why")
    samples = [[], []]
    for n in range(args.batches):
        for k in (0, 1) if n % 2 == 0 else (1, 0):  # neither always goes first
            workers[k].stdin.write("go\n")
            workers[k].stdin.flush()
            samples[k].append(tuple(map(float, workers[k].stdout.readline().split())))
    for worker in workers:
        worker.stdin.close()
        worker.wait()
    print("| tree | events stored before | batches | median ms | p95 ms | median CPU ms | p95 CPU ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for tree, timed in zip(args.trees, samples, strict=True):
        walls, cpus = [w for w, _c in timed], [c for _w, c in timed]
        print(f"| {tree} | {args.preload * 1000:,} | {len(timed)} | {statistics.median(walls):.1f} | {p95(walls):.1f} "
              f"| {statistics.median(cpus):.1f} | {p95(cpus):.1f} |")


if __name__ == "__main__":
    main()
