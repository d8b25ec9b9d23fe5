"""A legal-hold collection of one custodian, its collecting process's memory, against the raw reads.

    python bench/legal_hold_collection.py [--events 1000000] [--gb 5] [--files N] [--small 3000] [--dir DIR]

In a temporary folder (under --dir, default the system's): a SQLite database migrated to head with an
org, an administrator (who sets the org's backup to This server), a Legal Hold Administrator and one
custodian with a device whose standard key the console makes (backup_plan.plan). --events file events
of the custodian are stored in bulk (the demo loader's path: EventValues rows, store_events with the
indexes deferred). --gb of random (incompressible) data in --files files (default: about 50 MB each)
plus --small small ones is backed up with /usr/bin/restic straight into the device's repository in the
console's storage folder, with the password the console holds. A preservation policy and a matter
holding the custodian are made through webconsole.domain.legal_hold.

The collection then runs in a child process (legal_hold.start_collection with an immediate queue: the
job machinery, in that process) whose /proc/<pid>/status VmRSS and VmHWM are read every 0.2 s, with the
part of the job it is in (the job's progress) and the memory of its restic child. The raw limit, in the
same run: `restic dump --archive tar latest /` of the same repository into /dev/null, and a plain SQL
read of the same events (every column, fetchmany of 1000). The package is checked: manifest.json lists
every other entry with its size, and the SHA-256 of the events files, devices.json, matter.json and 5
random data files match it. The temporary folder is removed at the end, failed or not.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from contextlib import closing
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

RESTIC = "/usr/bin/restic"
CHUNK = 4 << 20
EVENT_BATCH = 10_000
SAMPLE_SECONDS = 0.2
PARTS = ["devices.json", "events.csv", "events.json", "files", "manifest, final SHA-256"]


def _config(work):
    return {"SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(work, "console.db"), "SECRET_KEY": "bench",
            "STORAGE_DIR": os.path.join(work, "storage"), "MASTER_KEY_FILE": os.path.join(work, "master.key"),
            "JOBS_FOLDER": os.path.join(work, "jobs"), "JOBS_QUEUE_PATH": os.path.join(work, "queue.db"),
            "TESTING": False}


def make_people(app):
    """Org, administrator, Legal Hold Administrator, custodian and device, the device's key made by its backup
    plan; {ids..., guid, password}."""
    from flask_migrate import upgrade

    from webconsole.domain import backup_plan, keystore, settings, settings_spec
    from webconsole.domain.orgs import create_org
    from webconsole.domain.permissions import role_by_key, sync_builtin_roles
    from webconsole.domain.storage import local_destination
    from webconsole.extensions import db
    from webconsole.models import Device, User

    with app.app_context():
        upgrade()
        sync_builtin_roles()
        org = create_org("Bench", None)
        db.session.flush()
        people = {}
        for username, role in (("admin", "cloud_admin"), ("legal", "legal_hold_admin"), ("custodian", None)):
            user = User(username=f"{username}@example.com", email=f"{username}@example.com", password_hash="!",
                        org_id=org.id, first_name=username.title(), last_name="Bench")
            if role:
                user.roles.append(role_by_key(role))
            db.session.add(user)
            people[username] = user
        local = local_destination()
        db.session.flush()
        device = Device(name="laptop", hostname="LAPTOP-1", os="linux", user_id=people["custodian"].id,
                        org_id=org.id, secret_hash="!")
        db.session.add(device)
        db.session.flush()
        form = {"backup_sets-0-name": ["Default"], "backup_sets-0-included_paths": ["~"],
                "backup_sets-0-excluded_paths": [""], "backup_sets-0-destinations": [str(local.id)]}
        for setting in settings_spec.group("backup").settings:
            if setting.kind != "sets":
                form[setting.key] = ["\n".join(setting.default) if setting.kind == "lines" else str(setting.default)]
        settings.save_group(people["admin"], org.id, "backup", form, "save")
        db.session.commit()
        backup_plan.plan(device)  # makes the device's standard key, as its first heartbeat would
        return {"org": org.id, "legal": people["legal"].id, "custodian": people["custodian"].id,
                "device": device.id, "guid": device.guid, "password": keystore.repository_password(device)}


def store_events(app, ids, count, seed=7):
    """`count` file events of the custodian on their device over the last 30 days, stored in bulk."""
    from webconsole.demo.event_load import EventValues
    from webconsole.demo.events import fake_event
    from webconsole.domain.events import insert_statement
    from webconsole.domain.events import store_events as store
    from webconsole.extensions import db
    from webconsole.models.base import utcnow
    from webconsole.store.bulk_load import IMPORT_CACHE_KIB, indexes_deferred, larger_page_cache

    rng = random.Random(seed)
    with app.app_context():
        connection = db.session.connection()
        values, statement = EventValues(connection.dialect.name), insert_statement(connection.dialect.name)
        end = utcnow().replace(microsecond=0)
        step_ms = max(1, 30 * 86_400_000 // max(count, 1))
        start = end - timedelta(milliseconds=step_ms * count)
        with larger_page_cache(IMPORT_CACHE_KIB), indexes_deferred(count):
            for first in range(0, count, EVENT_BATCH):
                rows = []
                for n in range(first, min(first + EVENT_BATCH, count)):
                    when = start + timedelta(milliseconds=step_ms * n)
                    event = fake_event(rng, when, home="/home/custodian")
                    event.update(deviceUserName="custodian@example.com", osHostName="LAPTOP-1")
                    rows.append(values(event, when, when + timedelta(seconds=30), "demo", ids["org"],
                                       ids["custodian"], ids["device"]))
                store(("demo",), lambda c, _at, rows=rows: c.exec_driver_sql(statement, rows).rowcount)
            db.session.commit()


def generate(folder, total_bytes, files, small, seed=7):
    """`files` random files sharing `total_bytes`, plus `small` of 1-64 KiB; (count, bytes)."""
    rng, written = random.Random(seed), 0
    for n in range(files):
        size = total_bytes // files + (total_bytes % files if n == files - 1 else 0)
        sub = os.path.join(folder, "large", f"d{n // 50:02d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"f{n:04d}.bin"), "wb") as f:
            left = size
            while left:  # fresh random bytes everywhere: nothing compresses, nothing deduplicates
                left -= f.write(os.urandom(min(CHUNK, left)))
        written += size
    for n in range(small):
        sub = os.path.join(folder, "small", f"d{n // 500:02d}")
        os.makedirs(sub, exist_ok=True)
        size = rng.randint(1024, 65536)
        with open(os.path.join(sub, f"s{n:05d}.txt"), "wb") as f:
            f.write(os.urandom(size))
        written += size
    return files + small, written


def _status(pid):
    """{field: kB} of VmRSS and VmHWM of process `pid`; {} when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in f) if k in ("VmRSS", "VmHWM")}
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return {}


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


class Sampler(threading.Thread):
    """Reads the collecting process's memory (and its restic's) every SAMPLE_SECONDS, with the job's progress."""

    def __init__(self, pid, database):
        super().__init__(daemon=True)
        self.pid, self.database, self.stop = pid, database, threading.Event()
        self.peak = self.rss = self.restic_peak = 0
        self.by_part = {}  # part done so far -> highest VmRSS meanwhile
        self.entered, self.ended = {}, None  # part -> when it was first seen in; when the process ended

    def run(self):
        with closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=1)) as reader:
            while not self.stop.wait(SAMPLE_SECONDS):
                status = _status(self.pid)
                if not status:
                    break
                self.rss, self.peak = status["VmRSS"], max(self.peak, status["VmHWM"])
                for child in _children(self.pid):
                    self.restic_peak = max(self.restic_peak, _status(child).get("VmHWM", 0))
                try:
                    done = reader.execute("SELECT done FROM jobs WHERE kind = 'legalhold.collection' "
                                          "ORDER BY id DESC LIMIT 1").fetchone()
                except sqlite3.OperationalError:
                    done = None
                if done is not None:
                    part = PARTS[min(done[0] or 0, len(PARTS) - 1)]
                    self.by_part[part] = max(self.by_part.get(part, 0), status["VmRSS"])
                    self.entered.setdefault(part, time.perf_counter())
        self.ended = time.perf_counter()

    def seconds(self):
        """{part: seconds spent in it}, to the sampling's resolution."""
        moments = sorted((when, part) for part, when in self.entered.items()) + [(self.ended, None)]
        return {part: moments[n + 1][0] - when for n, (when, part) in enumerate(moments[:-1])}


def child(spec):
    """In the child: the app, then the collection through the job machinery, run here at once."""
    config, ids = json.loads(spec)
    from webconsole import create_app
    from webconsole.domain import legal_hold
    from webconsole.extensions import db
    from webconsole.jobs import collections  # noqa: F401 - the job kind, loaded before the heavy part
    from webconsole.models import User

    app = create_app({**config, "JOBS_IMMEDIATE": True})
    with app.app_context():
        actor = db.session.get(User, ids["legal"])
        matter = legal_hold.get_matter(actor, ids["matter"])
        print(json.dumps({"ready_rss_kib": _status(os.getpid())["VmRSS"]}), flush=True)
        collection = legal_hold.start_collection(actor, matter, user_id=ids["custodian"])
        print(json.dumps({"collection": collection.id}), flush=True)


def run_collection(work, config, ids):
    """Run the collection in a child process, sampling it; (seconds, sampler, ready RSS kB, collection id)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child", json.dumps([config, ids])],
                               cwd=ROOT, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": ROOT})
    sampler = Sampler(process.pid, os.path.join(work, "console.db"))
    sampler.start()
    said = {}
    try:
        for line in process.stdout:
            said.update(json.loads(line))
        if process.wait() != 0:
            raise RuntimeError(f"the collecting process exited with {process.returncode}")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        sampler.stop.set()
        sampler.join()
    return time.perf_counter() - started, sampler, said.get("ready_rss_kib", 0), said.get("collection")


def raw_dump(repository, password):
    """Seconds of `restic dump --archive tar latest /` into /dev/null, as the job runs restic."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
           "RESTIC_PASSWORD": password}
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        subprocess.run([RESTIC, "--no-lock", "--no-cache", "-r", repository, "dump", "--archive", "tar", "latest",
                        "/"], env=env, check=True, stdout=sink)
    return time.perf_counter() - started


def raw_sql(database, user_id):
    """(seconds, rows) of a plain read of the user's events: every column, fetchmany of 1000."""
    started, rows = time.perf_counter(), 0
    with closing(sqlite3.connect(database)) as connection:
        cursor = connection.execute("SELECT * FROM file_events WHERE user_id = ? ORDER BY id", (user_id,))
        while page := cursor.fetchmany(1000):
            rows += len(page)
    return time.perf_counter() - started, rows


def _sha256(stream):
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def verify(path, sample=5, seed=7):
    """Check the package against its manifest; (events, files, entries, hashed entries)."""
    with zipfile.ZipFile(path) as package:
        manifest = json.loads(package.read("manifest.json"))
        listed = {entry["path"]: entry for entry in manifest["files"]}
        infos = {i.filename: i for i in package.infolist() if i.filename != "manifest.json"}
        assert set(listed) == set(infos), f"manifest and zip differ: {set(listed) ^ set(infos)}"
        for name, info in infos.items():
            assert listed[name]["size"] == info.file_size, name
        data = sorted(n for n in listed if "/files/" in n)
        checked = [n for n in listed if "/files/" not in n] + random.Random(seed).sample(data, min(sample, len(data)))
        for name in checked:
            with package.open(name) as stream:
                assert _sha256(stream) == listed[name]["sha256"], f"SHA-256 of {name} differs"
    return manifest["events"], manifest["files_collected"], len(infos), len(checked)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--gb", type=float, default=5.0)
    parser.add_argument("--files", type=int, help="large files sharing --gb (default: about 50 MB each)")
    parser.add_argument("--small", type=int, default=3000, help="small files (1-64 KiB) besides")
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where the temporary folder goes")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    total = int(args.gb * 1024 ** 3)
    files = args.files or max(1, round(total / (50 * 1024 ** 2)))
    # SIGTERM unwinds like Ctrl+C, so the folder (gigabytes) is removed whatever ends the run.
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(143))
    work = tempfile.mkdtemp(prefix="bench-collection-", dir=args.dir)
    try:
        from webconsole import create_app

        config = _config(work)
        app = create_app(config)
        steps = {}
        started = time.perf_counter()
        ids = make_people(app)
        store_events(app, ids, args.events)
        steps["store events"] = time.perf_counter() - started
        started = time.perf_counter()
        count, size = generate(os.path.join(work, "source"), total, files, args.small)
        steps["generate files"] = time.perf_counter() - started
        repository = os.path.join(config["STORAGE_DIR"], ids["guid"])
        env = {**os.environ, "RESTIC_PASSWORD": ids["password"], "RESTIC_CACHE_DIR": os.path.join(work, "cache")}
        started = time.perf_counter()
        for arguments in (["init"], ["backup", os.path.join(work, "source")]):
            subprocess.run([RESTIC, "-q", "-r", repository, *arguments], env=env, check=True,
                           stdout=subprocess.DEVNULL)
        steps["restic backup"] = time.perf_counter() - started
        shutil.rmtree(os.path.join(work, "source"))  # the package is checked against its manifest, not these
        with app.app_context():
            from webconsole.domain import legal_hold
            from webconsole.extensions import db
            from webconsole.models import User

            actor = db.session.get(User, ids["legal"])
            policy = legal_hold.create_policy(actor, {"name": ["Bench policy"], "included_paths": ["~"]})
            matter = legal_hold.create_matter(actor, name="Bench matter", policy_id=str(policy.id))
            legal_hold.add_custodians(actor, matter, [str(ids["custodian"])])
            ids["matter"] = matter.id
        print("setup: " + ", ".join(f"{k} {v:.0f} s" for k, v in steps.items()), flush=True)
        load = os.getloadavg()
        seconds, sampler, ready, collection_id = run_collection(work, config, ids)
        load_after = os.getloadavg()
        with app.app_context():
            from webconsole.models import Collection, Job

            collection = db.session.get(Collection, collection_id)
            job = db.session.get(Job, collection.job_id)
            assert collection.status == "done", (collection.status, collection.error, job.error)
            package = os.path.join(config["JOBS_FOLDER"], str(job.id), job.result_path)
        raw_restic = raw_dump(repository, ids["password"])
        raw_events, rows = raw_sql(os.path.join(work, "console.db"), ids["custodian"])
        events, collected, entries, hashed = verify(package)
        assert events == rows == args.events and collected == count, (events, rows, collected, count)
        raw = raw_restic + raw_events
        mib = 1024 * 1024
        print(f"\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} before, {load_after[0]:.2f} "
              f"{load_after[1]:.2f} {load_after[2]:.2f} after the collection; {args.events:,} events, {count:,} "
              f"files ({files} large, {args.small} small), {size / mib:,.0f} MiB\n")
        print("| step | seconds | vs raw |")
        print("|---|---:|---:|")
        print(f"| collection job (child process, start to exit) | {seconds:.1f} | {seconds / raw:.2f} |")
        print(f"| raw: `restic dump --archive tar latest /` to /dev/null | {raw_restic:.1f} | |")
        print(f"| raw: SQL read of the events (all columns, fetchmany 1000) | {raw_events:.1f} | |")
        print(f"| raw total | {raw:.1f} | 1.00 |")
        print(f"\npackage {os.path.getsize(package) / mib:,.0f} MiB, {entries:,} entries besides the manifest "
              f"({events:,} events, {collected:,} files); manifest checked, {hashed} SHA-256s recomputed")
        print("\n| collecting process | seconds | resident MiB |")
        print("|---|---:|---:|")
        print(f"| after imports and app, before the collection | | {ready / 1024:.0f} |")
        spent = sampler.seconds()
        for part in PARTS:
            if part in sampler.by_part:
                print(f"| highest while in {part} | {spent[part]:.1f} | {sampler.by_part[part] / 1024:.0f} |")
        print(f"| peak (VmHWM) | | {sampler.peak / 1024:.0f} |")
        print(f"| its restic's peak (VmHWM) | | {sampler.restic_peak / 1024:.0f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
