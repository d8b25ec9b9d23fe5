"""Restoring from the web: a device's versions, its folders and files in one, and a download of a selection.

Who may: the device's own user (from My Profile) unless the device is blocked, and whoever holds
`devices.restore` over the device's org (from its page). What can be opened follows the device's key
(webconsole.domain.keystore): a standard key opens with the password the console holds, an archive
password only with the one its user types (never stored), and a custom key not at all. Each download
is audited and kept in the restores list, with what was restored.
"""
import os
import re
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from webconsole.domain import audit, destinations, keystore
from webconsole.domain.devices import get_device
from webconsole.domain.errors import Forbidden, NotFound, ValidationError
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import Destination, Device, DeviceCommand, DeviceKey, Restore
from webconsole.store import restic

SNAPSHOT = re.compile(r"^[0-9a-f]{8,64}$")
PATHS_MAX = 100  # items selected for one download
PATH_MAX = 4096
FOUND_MAX = 200  # search results shown
MB = 1024 * 1024

REFUSED = {
    "custom": _l("This device's archives are encrypted with a custom key that stays on the device: the console "
                 "cannot read them. Restore on the device itself."),
    "blocked": _l("This device is blocked: its files cannot be restored from it."),
    "off": _l("Web restores are turned off for this device's organization."),
}
ASK_PASSWORD = _l("This device's archives are encrypted with an archive password that only its user knows: enter "
                  "it to restore from the web. It is used for this restore only and never stored.")


def restorable(actor, device_id):
    """The device `actor` may restore from: their own (not blocked), or one they hold devices.restore over."""
    number = parse_id(device_id)
    device = db.session.get(Device, number) if number else None
    if device is not None and device.user_id == actor.id and device.status != "deactivated":
        if device.status == "blocked":
            raise Forbidden(REFUSED["blocked"])
        return device
    return get_device(actor, device_id, "devices.restore")


def key_type(device):
    key = db.session.get(DeviceKey, device.id)
    return key.key_type if key else keystore.key_type_setting(device)


def _limit_bytes(device):
    from webconsole.domain import agents  # the settings as the device gets them

    megabytes = agents.device_settings(device).get("quotas", {}).get("web_restore_limit_mb", {}).get("value", 250)
    return int(megabytes) * MB if isinstance(megabytes, int) else 250 * MB


def stored_at(device):
    """The destinations that keep the device's backups (This server first), from its backup sets."""
    from webconsole.domain import agents

    found = [d for d in destinations.of_backup_sets(agents.device_settings(device))
             if d.kind in destinations.STORED_KINDS]
    return sorted(found, key=lambda d: (d.kind != "local", d.name.lower()))


def open_repository(device, password=None, destination=None):
    """The device's repository at `destination` (else the first that keeps its backups), opened; Forbidden
    when its key keeps the console out, ValidationError (field "password") when an archive password is
    needed or wrong."""
    kind = key_type(device)
    if kind == "custom":
        raise Forbidden(REFUSED["custom"])
    if _limit_bytes(device) == 0:
        raise Forbidden(REFUSED["off"])
    if kind == "password":
        if not password:
            raise ValidationError(ASK_PASSWORD, field="password", code="validation.required")
    else:
        password = keystore.repository_password(device)
    places = stored_at(device)
    if destination:
        places = [d for d in places if d.guid == destination]
    if not places:
        raise NotFound(_l("No backup of this device is stored on this server yet."))
    repository, environment = destinations.repository_of(places[0], device)
    try:
        return restic.Repository(repository, password or "", environment, destination=places[0])
    except restic.ResticUnavailable as e:
        raise NotFound(_l("No backup of this device is stored on this server yet.")) from e


def _read(call, *arguments):
    try:
        return call(*arguments)
    except restic.WrongPassword as e:
        raise ValidationError(_l("That archive password does not open this device's archives."),
                              field="password", code="validation.format") from e
    except restic.ResticUnavailable as e:
        raise NotFound(_l("This version cannot be read: %(reason)s", reason=str(e))) from e


def versions(repository):
    """The device's versions, newest first, as {"id", "time" (datetime), "short_id"}."""
    found = []
    for snapshot in _read(repository.snapshots):
        found.append({"id": snapshot["id"], "short_id": snapshot.get("short_id", snapshot["id"][:8]),
                      "time": _moment(snapshot.get("time"))})
    return found


def _moment(text):
    try:
        return datetime.fromisoformat((text or "")[:26].rstrip("Z")) if text else None
    except ValueError:
        return None


def snapshot_id(value, choices):
    """The version asked for (a restic id among `choices`), or the newest; ValidationError otherwise."""
    if not value:
        if not choices:
            raise NotFound(_l("This device has no backed-up version yet."))
        return choices[0]["id"]
    if not isinstance(value, str) or not SNAPSHOT.match(value) or value not in {c["id"] for c in choices}:
        raise ValidationError(_l("Choose one of the listed versions."), field="version", code="validation.choice")
    return value


def clean_path(value):
    """A folder or file path within a version: absolute, no NUL, at most PATH_MAX characters."""
    value = value if isinstance(value, str) else ""
    if not value or "\x00" in value or len(value) > PATH_MAX or not value.startswith("/"):
        raise ValidationError(_l("Choose files or folders from the list."), field="path", code="validation.format")
    return os.path.normpath(value) if value != "/" else "/"


def entries(repository, snapshot, folder):
    found = _read(repository.list, snapshot, folder)
    return [{"name": e.get("name", ""), "path": e.get("path", ""), "type": e.get("type", ""),
             "size": e.get("size"), "mtime": _moment(e.get("mtime"))} for e in found]


def search(repository, snapshot, text):
    """Entries whose name holds `text` (a glob around it; restic's own pattern characters are escaped)."""
    text = (text or "").strip()[:200]
    if not text:
        return []
    pattern = "*" + re.sub(r"([*?\[\]\\])", r"\\\1", text) + "*"
    return [{"name": os.path.basename(m.get("path", "")), "path": m.get("path", ""), "type": m.get("type", ""),
             "size": m.get("size"), "mtime": _moment(m.get("mtime"))}
            for m in _read(repository.find, snapshot, pattern, FOUND_MAX)]


def _selection(repository, snapshot, paths):
    """(paths, files, bytes, {path: kind}) of a selection in a version; ValidationError when it is empty,
    too long, or names what the version does not hold."""
    paths = list(dict.fromkeys(clean_path(p) for p in paths))
    if not paths or len(paths) > PATHS_MAX:
        raise ValidationError(_l("Select from 1 to %(n)d files or folders.", n=PATHS_MAX), field="path",
                              code="validation.length")
    files, size, kinds = _read(repository.size, snapshot, paths)
    missing = [p for p in paths if p not in kinds]
    if missing:
        raise ValidationError(_l("%(path)s is not in this version.", path=missing[0][:200]), field="path",
                              code="validation.choice")
    return paths, files, size, {p: kinds[p] for p in paths}


def download(actor, device, repository, snapshot, when, paths, address=""):
    """Record and audit a download of the selection; (files, bytes, {path: kind}) of it. ValidationError
    when the selection is empty, too large or not in the version."""
    paths, files, size, kinds = _selection(repository, snapshot, paths)
    limit = _limit_bytes(device)
    if size > limit:
        raise ValidationError(_l("The selection holds %(size)s MB; web restores are limited to %(limit)s MB here. "
                                 "Select less, or restore to the device.", size=size // MB + 1, limit=limit // MB),
                              field="path", code="validation.length")
    restore = Restore(device_id=device.id, requested_by=actor.id, requested_username=actor.username, kind="download",
                      destination_id=repository.destination.id if repository.destination else None,
                      snapshot_id=snapshot, snapshot_at=when, paths=paths, files=files, bytes=size, status="done")
    db.session.add(restore)
    db.session.flush()
    audit.record("device.restore", actor=actor, obj=device, address=address, details={
        "kind": "download", "version": snapshot, "paths": paths[:20], "files": files, "bytes": size})
    db.session.commit()
    return files, size, kinds


def as_job(device, size):
    """Is a download of `size` bytes prepared as a job? Those above RESTORE_JOB_MB are, so no connection
    has to last, when the console holds the key (an archive password is never stored: those stream)."""
    return size > current_app.config["RESTORE_JOB_MB"] * MB and key_type(device) == "standard"


def content(device, repository, snapshot, kinds):
    """(file name, content type, a generator of the bytes) of a selection ({path: kind}): one file as
    itself, one folder as restic's zip of it, several in one zip."""
    paths = list(kinds)
    name = (device.name or device.hostname or "device")[:60]
    if len(paths) == 1 and kinds[paths[0]] == "file":
        return os.path.basename(paths[0]), "application/octet-stream", repository.dump(snapshot, paths[0])
    if len(paths) == 1:
        return f"{name} restore.zip", "application/zip", repository.dump(snapshot, paths[0], "zip")
    return f"{name} restore.zip", "application/zip", repository.zip_of(snapshot, kinds)


CONFLICTS = ("overwrite", "rename")


def clean_target(value):
    """A device restore's folder: "" (the original place) or an absolute path of the device's own kind."""
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value:
        return ""
    if "\x00" in value or len(value) > 1024 or not (value.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", value)):
        raise ValidationError(_l("Enter the folder as a full path, such as /home/una/Restored or C:\\Restored, or "
                                 "leave it empty for the original place."), field="target", code="validation.format")
    return value


def to_device(actor, device, repository, snapshot, when, paths, target, conflict, address=""):
    """Ask the device to restore the selection itself (its agent runs `restic restore`); the Restore.

    The command names the restore only: the agent reads what and where from GET /restores/<id>."""
    from webconsole.domain import agents  # agents imports the Keystore, which this module uses too

    target = clean_target(target)
    if conflict not in CONFLICTS:
        raise ValidationError(_l("Choose one of the listed values."), field="conflict", code="validation.choice")
    if device.status != "active" or not agents.is_online(device):
        raise ValidationError(_l("The device is not online, so it cannot receive commands."), field="target",
                              code="device.offline")
    paths, files, size, _kinds = _selection(repository, snapshot, paths)
    restore = Restore(device_id=device.id, requested_by=actor.id, requested_username=actor.username, kind="device",
                      destination_id=repository.destination.id if repository.destination else None,
                      snapshot_id=snapshot, snapshot_at=when, paths=paths, files=files, bytes=size, target=target,
                      conflict=conflict, status="sent")
    db.session.add(restore)
    db.session.flush()
    command = DeviceCommand(device_id=device.id, command="restore", arguments=str(restore.id), created_by=actor.id)
    db.session.add(command)
    db.session.flush()
    restore.command_id = command.id
    audit.record("device.restore", actor=actor, obj=device, address=address, details={
        "kind": "device", "version": snapshot, "paths": paths[:20], "files": files, "bytes": size,
        "target": target or "original place", "conflict": conflict})
    db.session.commit()
    return restore


def restore_for_device(device, restore_id):
    """What the device is asked to restore (the agent protocol's GET /restores/<id>)."""
    restore = db.session.get(Restore, restore_id)
    if restore is None or restore.device_id != device.id or restore.kind != "device":
        return None
    destination = db.session.get(Destination, restore.destination_id) if restore.destination_id else None
    return {"id": restore.id, "snapshot": restore.snapshot_id, "paths": restore.paths, "target": restore.target,
            "conflict": restore.conflict, "destination": destination.guid if destination else None}


def command_finished(command):
    """A restore command's result came: the restore is done or failed with what the agent said."""
    restore = db.session.scalar(select(Restore).where(Restore.command_id == command.id))
    if restore is not None:
        restore.status = "done" if command.exit_status == 0 else "failed"
        restore.error = "" if command.exit_status == 0 else (command.output or "")[-500:]


def restores_of(user, limit=20):
    """(Restore, device name) of the restores from the user's devices or asked for by the user, newest first."""
    return db.session.execute(select(Restore, Device.name).join(Device, Device.id == Restore.device_id)
                              .where(or_(Device.user_id == user.id, Restore.requested_by == user.id))
                              .order_by(Restore.id.desc()).limit(limit)).all()
