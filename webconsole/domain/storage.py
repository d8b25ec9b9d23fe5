"""The destination "This server": each device's restic repository kept by the console, and its rules.

The storage door (restic's REST protocol) authenticates the device and calls these functions; the
files themselves are webconsole.store.repository_files. Here: which Destination is this server,
the Repository row of each device, the user's quota, append-only repositories, and the exact
accounting of what each repository stores.
"""
import json
import os
import shutil
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from webconsole.domain import effective_settings, preservation
from webconsole.domain.errors import DomainError
from webconsole.domain.scope import restrict, scope_for
from webconsole.extensions import db
from webconsole.models import BackupState, Destination, Device, OrgEffectiveSettings, Repository
from webconsole.models.base import utcnow
from webconsole.store.repository_files import LOCKS, RepositoryFiles

LOCAL_KIND = "local"
LOCAL_NAME = "This server"
GB = 1024**3  # the quota's unit, as the console shows sizes (binary units)
QUOTA_FULL = "quota full"  # how a quota refusal's message starts on the device's backup state
TOP_DEVICES = 20


class StorageRefused(DomainError):
    """A request the storage refuses; `status` is the HTTP status restic is answered with."""

    code = "storage.refused"

    def __init__(self, message, status, code=None):
        super().__init__(message, None, code)
        self.status = status


def find_local_destination():
    """The Destination of kind "local" (this server), or None before set-up made it."""
    return db.session.scalar(select(Destination).where(Destination.kind == LOCAL_KIND).order_by(Destination.id))


def local_destination():
    """The one Destination of kind "local" (this server), made on first use."""
    found = find_local_destination()
    if found is not None:
        return found
    # No location stored: the page shows the storage folder as configured now.
    destination = Destination(name=LOCAL_NAME, kind=LOCAL_KIND, location="")
    try:
        with db.session.begin_nested():
            db.session.add(destination)
    except IntegrityError:  # another request made it first
        return db.session.scalar(select(Destination).where(Destination.kind == LOCAL_KIND))
    return destination


def storage_root():
    """The folder holding every device's repository (WEBCONSOLE_STORAGE_DIR)."""
    return current_app.config["STORAGE_DIR"]


def files_of(device):
    """The repository folder of a device on this server."""
    return RepositoryFiles(storage_root(), device.guid)


def repository_of(device, create=False):
    """The device's Repository row on this server (made when `create` and missing; else None)."""
    destination = local_destination()
    repository = db.session.scalar(select(Repository).where(Repository.device_id == device.id,
                                                            Repository.destination_id == destination.id))
    if repository is None and create:
        repository = Repository(device_id=device.id, destination_id=destination.id, stored_bytes=0,
                                stored_files=0, append_only=False)
        try:
            with db.session.begin_nested():
                db.session.add(repository)
        except IntegrityError:  # the device's other connection made it first
            return repository_of(device)
        # A folder that outlived its row (a device's row deleted and the folder kept) is counted whole.
        repository.stored_bytes, repository.stored_files = files_of(device).totals()
    return repository


def create_repository(device):
    """Make the device's repository folder and row (restic init's first request)."""
    files_of(device).create()
    repository_of(device, create=True)
    db.session.commit()


def user_quota_bytes(device):
    """The quota of the device's user over all their repositories, from the device's org; 0: none."""
    stored = db.session.scalar(select(OrgEffectiveSettings.groups).where(OrgEffectiveSettings.org_id == device.org_id))
    if stored is None:
        stored = effective_settings.compute_and_store(device.org_id, device.org.path)
    elif isinstance(stored, str):
        stored = json.loads(stored)
    return int(effective_settings.values("quotas", stored["quotas"])["user_quota_gb"]) * GB


def user_stored_bytes(user_id):
    """What all of a user's repositories on this server hold."""
    return db.session.scalar(select(func.coalesce(func.sum(Repository.stored_bytes), 0))
                             .join(Device, Device.id == Repository.device_id)
                             .where(Device.user_id == user_id)) or 0


def _check_quota(device, quota, adding):
    used = user_stored_bytes(device.user_id)
    if used + adding > quota:
        message = (f"{QUOTA_FULL}: the backup quota of {quota // GB} GB per user would be exceeded "
                   f"({used} bytes stored, {adding} more sent); nothing was stored")
        _note_on_backup_state(device, message)
        db.session.commit()
        raise StorageRefused(message, 507, "storage.quota_full")


def _note_on_backup_state(device, message):
    """Say on the device's backup state for this server why writes are refused (the device page shows it)."""
    destination = local_destination()
    state = next((s for s in device.backup_states if s.destination_id == destination.id), None)
    if state is None:
        state = BackupState(device_id=device.id, destination_id=destination.id)
        db.session.add(state)
    state.error = message[:500]


def write_file(device, kind, name, stream, length):
    """Store one file of the device's repository, within the user's quota; returns its size."""
    repository_id = repository_of(device, create=True).id
    noted = any(s.error.startswith(QUOTA_FULL) for s in device.backup_states)
    quota = user_quota_bytes(device)
    if quota:
        _check_quota(device, quota, length or 0)
    # Without a declared length, the quota is checked once the body is in, before it is kept.
    accept = (lambda size: _check_quota(device, quota, size)) if quota and length is None else None
    files = files_of(device)
    # Nothing of this transaction may stay open while the body streams in (SQLite would hold its lock).
    db.session.commit()
    size = files.write(kind, name, stream, length, accept)
    try:
        _account(repository_id, size, 1)
        if noted:
            _clear_quota_note(device)
        db.session.commit()
    except Exception:
        # Not counted, so not kept: the file goes and restic, told of the failure, sends it again.
        db.session.rollback()
        files.delete(kind, name)
        raise
    return size


def delete_file(device, kind, name):
    """Delete one file of the device's repository; an append-only repository keeps all but its locks."""
    repository = repository_of(device)
    if kind != LOCKS and ((repository is not None and repository.append_only) or preservation.is_held(device.user_id)):
        raise StorageRefused("this repository is append-only: only locks may be deleted", 403,
                             "storage.append_only")
    size = files_of(device).delete(kind, name)
    if repository is not None:
        _account(repository.id, -size, -1)
        db.session.commit()
    return size


def _account(repository_id, size, files):
    # One UPDATE adding to the columns: concurrent uploads of one repository never lose a count.
    db.session.execute(update(Repository).where(Repository.id == repository_id).values(
        stored_bytes=Repository.stored_bytes + size, stored_files=Repository.stored_files + files,
        last_write_at=utcnow()))


def _clear_quota_note(device):
    for state in device.backup_states:
        if state.error.startswith(QUOTA_FULL):
            state.error = ""


def recount(repository):
    """Set a repository's stored bytes and files from its folder (for the check job and for repair)."""
    device = db.session.get(Device, repository.device_id)
    repository.stored_bytes, repository.stored_files = files_of(device).totals()
    db.session.commit()
    return repository.stored_bytes, repository.stored_files


@dataclass
class LocalUsage:
    root: str  # the storage folder
    capacity: int
    free: int
    used: int  # what the repositories in the actor's scope hold
    repositories: int
    devices: list  # the largest repositories in scope: [{"device_id", "name", "guid", "stored_bytes", ...}]


def local_usage(actor, limit=TOP_DEVICES):
    """This server's disk, what the actor's devices store on it, and their largest repositories
    (None before set-up made the destination)."""
    destination = find_local_destination()
    if destination is None:
        return None
    root = storage_root()
    os.makedirs(root, exist_ok=True)
    disk = shutil.disk_usage(root)
    scope = scope_for(actor, "dashboard.view")
    base = (select(Repository).join(Device, Device.id == Repository.device_id)
            .where(Repository.destination_id == destination.id))
    base = restrict(base, scope, org_column=Device.org_id, user_column=Device.user_id)
    listed = base.subquery()
    totals = db.session.execute(select(func.coalesce(func.sum(listed.c.stored_bytes), 0), func.count())
                                .select_from(listed)).one()
    rows = db.session.execute(base.with_only_columns(
        Repository.device_id, Device.name, Device.guid, Repository.stored_bytes, Repository.stored_files,
        Repository.append_only, Repository.last_write_at, Repository.checked_at, Repository.check_result,
        Repository.check_message).order_by(Repository.stored_bytes.desc(), Repository.id).limit(limit)).all()
    return LocalUsage(root=root, capacity=disk.total, free=disk.free, used=int(totals[0]), repositories=totals[1],
                      devices=[row._asdict() for row in rows])
