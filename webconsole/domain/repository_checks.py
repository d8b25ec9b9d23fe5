"""`restic check` of the repositories this server stores, so the Destinations page can say they are sound,
and a recount of what each of this server's repositories holds (storage.recount).

A standard key opens its repository here; an archive password or a custom key does not, and its
repository is marked as not checkable rather than skipped in silence. restic reads with --no-lock,
so a check never blocks a device's backup (nor is blocked by it).
"""
import os
import shutil
import subprocess

from sqlalchemy import select

from webconsole.domain import destinations, keystore, storage
from webconsole.extensions import db
from webconsole.models import Destination, Device, Repository
from webconsole.models.base import utcnow

TIMEOUT = 3600  # a check of one repository, at most


def check(repository, device):
    """Check one repository; its result is stored on it (not committed)."""
    password = keystore.repository_password(device)
    destination = db.session.get(Destination, repository.destination_id)
    path, environment = destinations.repository_of(destination, device) or ("", {})
    binary = shutil.which("restic")
    if binary is None:
        result, message = "failed", "restic is not installed on the server: install it (apt install restic)"
    elif password is None:
        result, message = "", "The device's key keeps the console out: it cannot check this repository."
    elif destination.kind == "local" and not os.path.isfile(os.path.join(path, "config")):
        result, message = "failed", "The repository has no config file: the device has not made it, or it is lost."
    else:
        try:
            done = subprocess.run([binary, "--no-lock", "--no-cache", "-r", path, "check"], capture_output=True,
                                  env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RESTIC_PASSWORD": password,
                                       "HOME": os.environ.get("HOME", "/tmp"), **environment},
                                  timeout=TIMEOUT, stdin=subprocess.DEVNULL)
            text = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
            result = "ok" if done.returncode == 0 else "failed"
            message = "no errors were found" if done.returncode == 0 else text[-2000:]
        except subprocess.TimeoutExpired:
            result, message = "failed", f"the check took longer than {TIMEOUT // 60} minutes"
    repository.checked_at, repository.check_result, repository.check_message = utcnow(), result, message
    return result


def check_all(progress=None):
    """Check every repository this server stores, one transaction each; {result: how many}."""
    ids = db.session.scalars(select(Repository.id).order_by(Repository.id)).all()
    counts = {}
    for n, repository_id in enumerate(ids, 1):
        repository = db.session.get(Repository, repository_id)
        device = db.session.get(Device, repository.device_id) if repository else None
        if device is not None:
            if db.session.get(Destination, repository.destination_id).kind == "local":
                storage.recount(repository)  # what a write cut short left uncounted, set right from the folder
            result = check(repository, device) or "not checkable"
            counts[result] = counts.get(result, 0) + 1
            db.session.commit()
        if progress:
            progress(n, len(ids))
    return counts
