"""Backup through the console's storage ("This server", restic's REST protocol) against plain restic.

    python bench/backup.py [--size-mb 500] [--rounds 2] [--unchanged-files 10000] [--workers 2]
                           [--threads 4] [--keep]

Generates --size-mb of random (incompressible) data in a few thousand files of mixed sizes, then
alternates, --rounds times, a first backup of it by /usr/bin/restic:

1. plain: to a fresh local repository (`restic -r <folder>`), the baseline of the run;
2. console: to a fresh device repository of the console served by gunicorn (as the README deploys it:
   --workers 4 sync workers; --threads > 1 for threaded ones) on a SQLite database, over loopback with
   the device's credentials.

Each backup is timed alone (`restic init` is not); the two share the disk, the page cache holds the
source. Then an unchanged set of --unchanged-files small files is backed up once through the console
and backed up again, timed (restic reads its parent snapshot and the files' metadata; almost nothing
is sent). Prints Markdown tables; paste them into docs/benchmarks.md.
"""
import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from flask_migrate import upgrade  # noqa: E402

from webconsole import create_app  # noqa: E402
from webconsole.domain.agents import _hash  # noqa: E402
from webconsole.domain.orgs import create_org  # noqa: E402
from webconsole.domain.permissions import sync_builtin_roles  # noqa: E402
from webconsole.domain.storage import local_destination  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import Device, User  # noqa: E402

RESTIC = "/usr/bin/restic"
SECRET = "bench-device-secret"
PASSWORD = "bench-repository-password"


def make_devices(url, storage, count):
    """A migrated database with one user and `count` devices sharing SECRET; returns their GUIDs."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "STORAGE_DIR": storage})
    with app.app_context():
        upgrade()
        sync_builtin_roles()
        org = create_org("Bench", None)
        db.session.flush()
        user = User(username="bench@example.com", email="bench@example.com", password_hash="!", org_id=org.id)
        db.session.add(user)
        db.session.flush()
        devices = [Device(name=f"bench-{n}", hostname=f"bench-{n}", os="linux", user_id=user.id, org_id=org.id,
                          secret_hash=_hash(SECRET)) for n in range(count)]
        db.session.add_all(devices)
        local_destination()
        db.session.commit()
        return [d.guid for d in devices]


def generate(folder, total_bytes, seed=7):
    """Files of mixed sizes (mostly small, a few large) adding up to `total_bytes`; returns their count."""
    rng = random.Random(seed)
    sizes, written, n = [(4_096, 0.55), (65_536, 0.30), (1_048_576, 0.13), (4_194_304, 0.02)], 0, 0
    noise = os.urandom(32 * 1024 * 1024)
    while written < total_bytes:
        top = rng.choices([s for s, _w in sizes], [w for _s, w in sizes])[0]
        size = min(rng.randint(top // 4, top), total_bytes - written)
        sub = os.path.join(folder, f"d{n // 200:03d}")
        os.makedirs(sub, exist_ok=True)
        start = rng.randrange(0, len(noise) - size)
        with open(os.path.join(sub, f"f{n:05d}.bin"), "wb") as f:
            # A random slice plus the file's number: no two files share content, so nothing deduplicates.
            f.write(n.to_bytes(8, "big") + noise[start:start + size])
        written, n = written + size + 8, n + 1
    return n


def small_files(folder, count):
    for n in range(count):
        sub = os.path.join(folder, f"d{n // 500:03d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"s{n:05d}.txt"), "wb") as f:
            f.write(os.urandom(512 + n % 2048))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_console(url, storage, workers, threads, log):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "WEBCONSOLE_STORAGE_DIR": storage,
           "PYTHONPATH": ROOT}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
                                str(workers), "--threads", str(threads), "wsgi:app"], cwd=ROOT, env=env,
                               stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/signin", timeout=5).close()
            return process, port
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("the console did not start")


def _cpu_seconds(parent):
    """User and system CPU of `parent`'s child processes (the gunicorn workers), from /proc."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, NotADirectoryError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == parent:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def restic(repository, *arguments, cache):
    env = {**os.environ, "RESTIC_PASSWORD": PASSWORD, "RESTIC_CACHE_DIR": cache}
    started = time.perf_counter()
    subprocess.run([RESTIC, "-r", repository, "-q", *arguments], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--unchanged-files", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)  # the README's deployment
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="bench-backup-")
    storage, source, small = (os.path.join(work, n) for n in ("storage", "source", "small"))
    url = "sqlite:///" + os.path.join(work, "console.db")
    guids = make_devices(url, storage, args.rounds + 1)
    count = generate(source, args.size_mb * 1024 * 1024)
    small_files(small, args.unchanged_files)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _s, fs in os.walk(source) for f in fs)
    log = open(os.path.join(work, "console.log"), "ab")
    console, port = start_console(url, storage, args.workers, args.threads, log)
    load = os.getloadavg()
    cpu = 0.0
    results = {"plain": [], "console": []}
    try:
        for n in range(args.rounds):
            # Alternate which goes first, so neither always meets the other's dirty pages.
            for kind in (("plain", "console") if n % 2 == 0 else ("console", "plain")):
                cache = os.path.join(work, f"cache-{kind}-{n}")
                if kind == "plain":
                    repository = os.path.join(work, f"plain-{n}")
                else:
                    repository = f"rest:http://{guids[n]}:{SECRET}@127.0.0.1:{port}/storage/{guids[n]}/"
                restic(repository, "init", cache=cache)
                before = _cpu_seconds(console.pid)
                results[kind].append(restic(repository, "backup", source, cache=cache))
                if kind == "console":
                    cpu += _cpu_seconds(console.pid) - before
        guid = guids[-1]
        repository = f"rest:http://{guid}:{SECRET}@127.0.0.1:{port}/storage/{guid}/"
        cache = os.path.join(work, "cache-small")
        restic(repository, "init", cache=cache)
        first_small = restic(repository, "backup", small, cache=cache)
        again = [restic(repository, "backup", small, cache=cache) for _ in range(args.rounds)]
        plain_small = os.path.join(work, "plain-small")
        restic(plain_small, "init", cache=cache + "-plain")
        restic(plain_small, "backup", small, cache=cache + "-plain")
        plain_again = [restic(plain_small, "backup", small, cache=cache + "-plain") for _ in range(args.rounds)]
    finally:
        console.terminate()
        console.wait(timeout=30)
        log.close()
    load_after = os.getloadavg()

    mib = size / 1024 / 1024
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} before, {load_after[0]:.2f} "
          f"{load_after[1]:.2f} {load_after[2]:.2f} after; {count} files, {mib:.0f} MiB; gunicorn "
          f"{args.workers} workers x {args.threads} threads\n")
    print("| first backup | round times (s) | median (s) | MiB/s | vs plain |")
    print("|---|---|---|---|---|")
    plain = statistics.median(results["plain"])
    for kind in ("plain", "console"):
        median = statistics.median(results[kind])
        print(f"| {kind} | {' / '.join(f'{t:.1f}' for t in results[kind])} | {median:.1f} | {mib / median:.1f} "
              f"| {plain / median:.0%} |")
    print(f"\nconsole CPU (gunicorn workers, during the console's first backups): {cpu:.1f} s, "
          f"{1000 * cpu / (mib * args.rounds):.1f} ms per MiB backed up")
    print(f"\n| {args.unchanged_files} unchanged files | first backup (s) | again (s) |")
    print("|---|---|---|")
    print(f"| console | {first_small:.1f} | {' / '.join(f'{t:.2f}' for t in again)} |")
    print(f"| plain | | {' / '.join(f'{t:.2f}' for t in plain_again)} |")
    if args.keep:
        print(f"\nkept {work}")
    else:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
