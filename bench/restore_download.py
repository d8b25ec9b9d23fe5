"""A web restore's download against `restic dump` of the same folder, and the console's memory meanwhile.

    python bench/restore_download.py [--size-mb 1024] [--rounds 3]

Generates --size-mb of random (incompressible) data (bench/backup.py's generator), backs it up with
/usr/bin/restic straight into a device's repository in the console's storage folder, and starts the
console under gunicorn (one worker with four threads, so its memory is one process's). Then, --rounds
times, alternately:

1. plain: `restic dump --archive zip latest <folder>` of the local repository into /dev/null, the raw limit;
2. web: the device's owner signs in and downloads the folder from its restore page (POST .../download,
   the zip the console streams from the same `restic dump`), read and thrown away by the client. (Above
   WEBCONSOLE_RESTORE_JOB_MB the console prepares a download as a job instead, writing the same stream
   to a file; the benchmark raises it to time the stream.)

Prints each time, the ratio of the medians, and the gunicorn worker's resident memory before and its
peak (VmHWM) after the downloads.
"""
import argparse
import http.cookiejar
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

from backup import RESTIC, generate, start_console  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from webconsole import create_app  # noqa: E402
from webconsole.domain import keystore, settings, settings_spec  # noqa: E402
from webconsole.domain.orgs import create_org  # noqa: E402
from webconsole.domain.passwords import hash_password  # noqa: E402
from webconsole.domain.permissions import role_by_key, sync_builtin_roles  # noqa: E402
from webconsole.domain.storage import local_destination  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import Device, DeviceKey, User  # noqa: E402

PASSWORD = "bench-password-1"
REPOSITORY_PASSWORD = "bench-repository-password"
CHUNK = 1 << 20


def make_device(url, storage, key_file):
    """A user (Customer Cloud Admin) and their device, whose org backs up to This server with a standard
    key the console holds; the device's (id, GUID)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "STORAGE_DIR": storage,
                      "MASTER_KEY_FILE": key_file})
    with app.app_context():
        upgrade()
        sync_builtin_roles()
        org = create_org("Bench", None)
        db.session.flush()
        user = User(username="bench@example.com", email="bench@example.com",
                    password_hash=hash_password(PASSWORD), org_id=org.id)
        user.roles.append(role_by_key("cloud_admin"))
        db.session.add(user)
        local = local_destination()
        db.session.flush()
        device = Device(name="bench", hostname="bench", os="linux", user_id=user.id, org_id=org.id,
                        secret_hash="!")
        db.session.add(device)
        db.session.flush()
        db.session.add(DeviceKey(device_id=device.id, key_type="standard",
                                 sealed_password=keystore.seal(REPOSITORY_PASSWORD)))
        form = {"backup_sets-0-name": ["Default"], "backup_sets-0-included_paths": ["~"],
                "backup_sets-0-excluded_paths": [""], "backup_sets-0-destinations": [str(local.id)]}
        for setting in settings_spec.group("backup").settings:
            if setting.kind != "sets":
                form[setting.key] = ["\n".join(setting.default) if setting.kind == "lines" else str(setting.default)]
        settings.save_group(user, org.id, "backup", form, "save")
        quotas = {s.key: [str(s.default)] for s in settings_spec.group("quotas").settings}
        settings.save_group(user, org.id, "quotas", {**quotas, "web_restore_limit_mb": ["100000"]}, "save")
        db.session.commit()
        return device.id, device.guid


def _csrf(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class Browser:
    """A signed-in client over urllib with a cookie jar."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path, fields):
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        return self.opener.open(urllib.request.Request(self.base + path, data=data), timeout=600)

    def sign_in(self, username):
        token = _csrf(self.get("/auth/signin"))
        self.post("/auth/signin", {"csrf_token": token, "username": username, "password": PASSWORD}).close()


def _memory(parent):
    """(resident, peak resident) kB of `parent`'s child processes (the gunicorn worker), from /proc."""
    rss = peak = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(status.get("PPid", "0")) == parent:
            rss += int(status["VmRSS"].split()[0])
            peak += int(status["VmHWM"].split()[0])
    return rss, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-restore-")
    try:
        storage, source = os.path.join(work, "storage"), os.path.join(work, "source")
        url, key_file = "sqlite:///" + os.path.join(work, "console.db"), os.path.join(work, "master.key")
        device_id, guid = make_device(url, storage, key_file)
        count = generate(source, args.size_mb * 1024 * 1024)
        repository = os.path.join(storage, guid)
        env = {**os.environ, "RESTIC_PASSWORD": REPOSITORY_PASSWORD, "RESTIC_CACHE_DIR": os.path.join(work, "cache")}
        for arguments in (["init"], ["backup", source]):
            subprocess.run([RESTIC, "-q", "-r", repository, *arguments], env=env, check=True, stdout=subprocess.DEVNULL)
        os.environ["WEBCONSOLE_MASTER_KEY_FILE"] = key_file  # the console opens the device's key with it
        os.environ["WEBCONSOLE_RESTORE_JOB_MB"] = str(10 * args.size_mb)  # streamed, not prepared as a job
        log = open(os.path.join(work, "console.log"), "ab")
        console, port = start_console(url, storage, 1, 4, log)
        browser = Browser(f"http://127.0.0.1:{port}")
        browser.sign_in("bench@example.com")
        page = browser.get(f"/restore/devices/{device_id}/?path={urllib.parse.quote(source)}")
        version = re.search(r'name="version" value="([0-9a-f]+)"', page).group(1)
        token = _csrf(page)
        load = os.getloadavg()
        before = _memory(console.pid)
        times = {"plain": [], "web": []}
        sizes = {}
        try:
            for n in range(args.rounds):
                for kind in (("plain", "web") if n % 2 == 0 else ("web", "plain")):
                    started = time.perf_counter()
                    if kind == "plain":
                        with open(os.devnull, "wb") as sink:
                            subprocess.run([RESTIC, "--no-lock", "-r", repository, "dump", "--archive", "zip", "latest",
                                            source], env=env, check=True, stdout=sink)
                    else:
                        got = 0
                        with browser.post(f"/restore/devices/{device_id}/download",
                                          {"csrf_token": token, "version": version, "path": source}) as response:
                            while chunk := response.read(CHUNK):
                                got += len(chunk)
                        sizes["web"] = got
                    times[kind].append(time.perf_counter() - started)
        finally:
            after = _memory(console.pid)
            console.terminate()
            console.wait(timeout=30)
            log.close()
        load_after = os.getloadavg()
        mib = sum(os.path.getsize(os.path.join(d, f)) for d, _s, fs in os.walk(source) for f in fs) / 1024 / 1024
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} before, {load_after[0]:.2f} "
              f"{load_after[1]:.2f} {load_after[2]:.2f} after; {count} files, {mib:.0f} MiB; the zip "
              f"{sizes.get('web', 0) / 1024 / 1024:.0f} MiB; gunicorn 1 worker x 4 threads\n")
        print("| download of the folder | round times (s) | median (s) | MiB/s | vs restic dump |")
        print("|---|---|---:|---:|---:|")
        plain = statistics.median(times["plain"])
        for kind, label in (("plain", "`restic dump --archive zip` to /dev/null"), ("web", "web restore (HTTP)")):
            median = statistics.median(times[kind])
            print(f"| {label} | {' / '.join(f'{t:.1f}' for t in times[kind])} | {median:.1f} | "
                  f"{mib / median:.1f} | {100 * plain / median:.0f} % |")
        print(f"\ngunicorn worker resident memory: {before[0] / 1024:.0f} MiB before, {after[0] / 1024:.0f} MiB after, "
              f"peak {after[1] / 1024:.0f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
