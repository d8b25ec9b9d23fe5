"""A legal-hold collection as a job: one zip of the custodians' files, file events and devices.

The package holds, per custodian (custodians/<username>/):
- devices.json: their devices and each one's backup state per destination;
- events.csv and events.json: their file events in the date range;
- files/<device>/…: their backed-up files, as of the newest version at or before the range's end
  (and only files modified within the range, when it has a start), from each device's archive the
  console can open; files-not-collected.txt says which devices could not be read and why;
and at its root matter.json (the matter, its policy, what was asked) and manifest.json: the size and
SHA-256 of every other file in the package.

The zip (store/zip_package.py) is written as a stream (restic's tar stream of a version turned entry
by entry into zip entries; events read a keyset page at a time), so memory stays bounded. After
each part (a custodian's devices, events, or one device's files) the job stores a checkpoint: the
zip's length so far and its directory entries. A worker that dies midway is followed by one that
cuts the file back to the last checkpoint and goes on from there.
"""
import csv
import hashlib
import io
import json
import os
import shutil
import tarfile
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webconsole.domain import audit, forensics, legal_hold, restores
from webconsole.domain.errors import DomainError, NotFound
from webconsole.domain.listings import end_read
from webconsole.extensions import db
from webconsole.jobs.cases import CSV_FIELDS, _csv_row
from webconsole.jobs.kinds import DOWNLOAD_AUDITS, JobFailed, job_kind
from webconsole.models import BackupState, Collection, Device, FileEvent, Matter, User
from webconsole.models.base import utcnow
from webconsole.store import restic
from webconsole.store.zip_package import CHUNK, Package
from webconsole.web.exports import safe_filename

KIND = "legalhold.collection"
FILE = "collection.zip"
BATCH = 1000
FILES_LEVEL = 1  # backed-up files go in compressed quickly: many are compressed already (documents, media)
PROGRESS_EVERY = 2000  # items between progress notes (each note is a database write)


def start(actor, matter, collection):
    """Start building `collection`'s package; the Job."""
    from webconsole.domain import jobs  # the job module is loaded by the queue, which loads this one
    return jobs.start_job(KIND, actor=actor, label=str(_l("Collection: %(matter)s", matter=matter.name)),
                          params={"collection": collection.id}, permission=legal_hold.PERMISSION)


ZIP_FIRST, ZIP_LAST = 315532800, 4354819199  # the seconds of 1980-01-01 and 2107-12-31: what a zip can date


def _when(seconds):
    """A file's modification time (seconds, as hostile as the endpoint made it) as a UTC datetime a zip holds."""
    try:
        seconds = min(max(int(seconds), 0), ZIP_LAST)
    except (TypeError, ValueError, OverflowError):
        seconds = 0
    return datetime(1970, 1, 1) + timedelta(seconds=seconds)


def _parts(custodians):
    """The package's parts in order: (kind, custodian, device or None)."""
    for user in custodians:
        yield "devices", user, None
        yield "events.csv", user, None
        yield "events.json", user, None
        for device in db.session.scalars(select(Device).where(Device.user_id == user.id)
                                         .order_by(Device.name, Device.id)):
            yield "files", user, device


@job_kind(KIND)
def collect(context):
    """Build the collection's package, part by part, going on from the last checkpoint."""
    actor = context.actor()
    collection = db.session.get(Collection, context.params.get("collection"))
    if collection is None:
        raise JobFailed(_l("This collection no longer exists."))
    try:
        matter = legal_hold.get_matter(actor, collection.matter_id)
    except NotFound:
        _finish(collection, "failed", error=str(_l("This matter no longer exists, or you can no longer see it.")))
        raise JobFailed(_l("This matter no longer exists, or you can no longer see it.")) from None
    since, until = collection.date_from, collection.date_to
    # The parts are fixed on the first run and kept with the checkpoint: a custodian added or removed
    # while the job waits for a worker does not shift what a later run goes on from.
    plan = (context.checkpoint or {}).get("plan")
    if plan is None:
        plan = [[kind, user.id, device.id if device else None]
                for kind, user, device in _parts(legal_hold.active_custodians(matter, collection.user_id))]
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({p[1] for p in plan})))}
    devices = {d.id: d for d in db.session.scalars(select(Device).where(Device.id.in_(
        {p[2] for p in plan if p[2] is not None})))}
    custodians = [users[i] for i in dict.fromkeys(p[1] for p in plan) if i in users]
    if not custodians:
        _finish(collection, "failed", error=str(_l("The matter has no active custodian to collect.")))
        raise JobFailed(_l("The matter has no active custodian to collect."))
    devices_of = {u.id: [devices[p[2]] for p in plan if p[1] == u.id and p[2] in devices] for u in custodians}
    total = _estimate(custodians, devices_of, since, until)
    if context.checkpoint is None:
        context.progress(0, total)
    package = Package(context.path(FILE + ".part"), context.checkpoint)
    package.plan = plan
    noted = {"at": package.items}

    def note(items):  # a progress note (a database write) every PROGRESS_EVERY items
        if items - noted["at"] >= PROGRESS_EVERY:
            context.progress(items, max(total, items))
            noted["at"] = items

    package.on_item = note
    folders = _folders(custodians, devices_of)
    finished = False
    try:
        for n, (kind, user_id, device_id) in enumerate(plan):
            if n < package.parts_done:
                continue
            user, device = users.get(user_id), devices.get(device_id)
            if user is None or (kind == "files" and device is None):
                continue  # gone since the plan was made
            folder = folders[user.id]
            if kind == "devices":
                package.add_bytes(f"{folder}/devices.json", _json(_devices(devices_of[user.id])))
            elif kind == "events.csv":
                package.counts["events"] += _events_csv(package, f"{folder}/events.csv", user, since, until)
            elif kind == "events.json":
                _events_json(package, f"{folder}/events.json", user, since, until)
            else:
                _files(package, folders[(user.id, device.id)], user, device, since, until)
            package.parts_done = n + 1
            end_read()
            context.progress(package.items, max(total, package.items), checkpoint=package.checkpoint())
            noted["at"] = package.items
        _closing_files(package, folders, matter, collection, custodians, actor)
        finished = True
    finally:
        package.close(finished)
    path = context.path(FILE)
    os.replace(context.path(FILE + ".part"), path)
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    _finish(collection, "done", sha256=digest.hexdigest(), size=os.path.getsize(path),
            files=package.counts["files"], events=package.counts["events"])
    context.result(FILE, safe_filename(f"legal-hold-{matter.name}-{utcnow():%Y-%m-%d}") + ".zip")


def _folders(custodians, devices_of):
    """Each custodian's folder and each device's folder of files in the package, told apart when two names
    come out alike ("(1)", "(2)"): the same on every run of the job."""
    folders, taken = {}, set()

    def unique(name):
        found, n = name, 1
        while found in taken:
            found, n = f"{name} ({n})", n + 1
        taken.add(found)
        return found

    for user in custodians:
        folders[user.id] = unique(f"custodians/{_safe(user.username)}")
        for device in devices_of[user.id]:
            folders[(user.id, device.id)] = unique(f"{folders[user.id]}/files/{_safe(device.name or device.guid)}")
    return folders


def _estimate(custodians, devices_of, since, until):
    """About how many items the package will take: each event twice (CSV and JSON) and the files the
    devices' last backups selected. The files actually in a version may differ: the bar may end early."""
    items = 0
    for user in custodians:
        stmt = select(func.count()).select_from(FileEvent).where(FileEvent.user_id == user.id)
        if since is not None:
            stmt = stmt.where(FileEvent.event_at >= since)
        if until is not None:
            stmt = stmt.where(FileEvent.event_at <= until)
        items += 2 * db.session.scalar(stmt)
        ids = [d.id for d in devices_of[user.id]]
        if ids:
            items += db.session.scalar(select(func.coalesce(func.sum(BackupState.selected_files), 0))
                                       .where(BackupState.device_id.in_(ids))) or 0
    return max(items, 1)


def _safe(name):
    """A user's or device's name as one folder of the package (no separators, no dot-only names)."""
    cleaned = "".join("_" if c in '/\\\x00' or ord(c) < 32 else c for c in name).strip() or "_"
    return "_" + cleaned if set(cleaned) <= {"."} else cleaned[:120]


def _json(value):
    return json.dumps(value, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def _iso(value):
    return value.isoformat() + "Z" if value else None


def _devices(devices):
    found = []
    for device in devices:
        states = db.session.scalars(select(BackupState).where(BackupState.device_id == device.id)).all()
        found.append({
            "id": device.id, "guid": device.guid, "name": device.name, "hostname": device.hostname,
            "os": device.os, "os_version": device.os_version, "status": device.status,
            "agent_version": device.agent_version, "last_connected": _iso(device.last_connected),
            "key_type": restores.key_type(device),
            "backup": [{"destination": s.destination.name, "destination_guid": s.destination.guid,
                        "selected_files": s.selected_files, "selected_bytes": s.selected_bytes,
                        "percent_complete": s.percent_complete, "archive_bytes": s.archive_bytes,
                        "last_backup": _iso(s.last_backup), "last_completed_backup": _iso(s.last_completed_backup),
                        "status": s.status, "snapshot": s.snapshot_id} for s in states]})
    return found


def _event_pages(user, since, until):
    """The user's file events in the range, oldest first, a keyset page at a time, as plain rows (no ORM
    objects to build and let go of: a million of them cost more than the query)."""
    table = FileEvent.__table__
    after = 0
    while True:
        stmt = select(table).where(table.c.user_id == user.id, table.c.id > after)
        if since is not None:
            stmt = stmt.where(table.c.event_at >= since)
        if until is not None:
            stmt = stmt.where(table.c.event_at <= until)
        page = db.session.execute(stmt.order_by(table.c.id).limit(BATCH)).all()
        if not page:
            return
        yield page
        after = page[-1].id


def _events_csv(package, name, user, since, until):
    entry = package.writer(name)
    entry.write("\ufeff")  # a BOM, so spreadsheets read UTF-8 names correctly
    line = io.StringIO()
    writer = csv.writer(line)
    writer.writerow([key for _column, key in CSV_FIELDS])
    count = 0
    for page in _event_pages(user, since, until):
        for event in page:
            writer.writerow(_csv_row(event))
        count += len(page)
        package.advance(len(page))
        entry.write(line.getvalue())
        line.seek(0)
        line.truncate()
    entry.write(line.getvalue())
    entry.close()
    return count


def _events_json(package, name, user, since, until):
    entry = package.writer(name)
    entry.write("[")
    first = True
    for page in _event_pages(user, since, until):
        text = ",\n".join(json.dumps(forensics.as_v1(e), ensure_ascii=False) for e in page)
        entry.write(("\n" if first else ",\n") + text)
        first = False
        package.advance(len(page))
    entry.write("\n]\n")
    entry.close()


def _refused(package, user, device, reason):
    package.not_collected.append({"custodian": user.username, "device": device.name, "guid": device.guid,
                                  "reason": str(reason)})


def _open(device):
    """The device's repository opened with the key the console holds; DomainError says why not."""
    kind = restores.key_type(device)
    if kind == "custom":
        raise DomainError(restores.REFUSED["custom"])
    if kind == "password":
        raise DomainError(_l("This device's archives are encrypted with an archive password that only its user "
                             "knows: the console cannot read them. Ask the user to restore the files."))
    from webconsole.domain import destinations, keystore

    places = restores.stored_at(device)
    if not places:
        raise DomainError(_l("No backup of this device is stored on this server yet."))
    location, environment = destinations.repository_of(places[0], device)
    if shutil.which("restic") is None:
        raise DomainError(_l("restic is not installed on the server, so no archive can be read: install it "
                             "(apt install restic) and collect again."))
    try:
        return restic.Repository(location, keystore.repository_password(device) or "", environment,
                                 destination=places[0])
    except restic.ResticUnavailable:
        raise DomainError(_l("No backup of this device is stored on this server yet.")) from None


def _version(repository, until):
    """The newest version at or before `until` (any, without one): (id, time) or None."""
    try:
        found = repository.snapshots()
    except restic.ResticUnavailable as e:
        raise DomainError(_l("This version cannot be read: %(reason)s", reason=str(e))) from e
    for snapshot in found:  # newest first
        moment = restores._moment(snapshot.get("time"))
        if until is None or (moment is not None and moment <= until):
            return snapshot["id"], moment
    return None


def _files(package, base, user, device, since, until):
    try:
        repository = _open(device)
        version = _version(repository, until)
    except DomainError as e:
        _refused(package, user, device, e.message)
        return
    if version is None:
        _refused(package, user, device, _l("No version of this device was backed up by the end of the range."))
        return
    snapshot, _moment = version
    end_read()  # nothing of this transaction stays open while restic streams
    process, errors, reader = repository._stream("dump", "--archive", "tar", snapshot, "/")
    try:
        with tarfile.open(fileobj=process.stdout, mode="r|") as tar:
            for member in tar:
                # A streamed tar still keeps every member it has read (about 500 bytes each, 25 MB for 50 000
                # files); none is looked at again here.
                tar.members = []
                if not member.isfile():
                    continue
                modified = _when(member.mtime)
                if (since is not None and modified < since) or (until is not None and modified > until):
                    continue
                moment = _when(max(member.mtime, ZIP_FIRST)).timetuple()[:6]
                package.add_stream(f"{base}/{member.name.lstrip('/')}", tar.extractfile(member), moment, member.size,
                                   level=FILES_LEVEL)
                package.counts["files"] += 1
                package.advance()
    except (tarfile.TarError, OSError) as e:
        restic._finish(process, reader, errors)
        raise JobFailed(_l("This version cannot be read: %(reason)s", reason=str(e))) from e
    try:
        restic._finish(process, reader, errors)
    except restic.ResticUnavailable as e:
        raise JobFailed(_l("This version cannot be read: %(reason)s", reason=str(e))) from e


def _closing_files(package, folders, matter, collection, custodians, actor):
    policy = matter and db.session.get(legal_hold.PreservationPolicy, matter.policy_id)
    for user in custodians:
        refused = [n for n in package.not_collected if n["custodian"] == user.username]
        if refused:
            lines = [f"{n['device']} ({n['guid']}): {n['reason']}" for n in refused]
            package.add_bytes(f"{folders[user.id]}/files-not-collected.txt",
                              ("\n".join(lines) + "\n").encode("utf-8"))
    described = {
        "matter": {"id": matter.id, "uid": matter.uid, "name": matter.name, "description": matter.description,
                   "notes": matter.notes, "reference": matter.reference, "status": matter.status,
                   "created_by": matter.created_by_username, "created_at": _iso(matter.created_at)},
        "policy": {"uid": policy.uid, "name": policy.name, "backup": policy.backup,
                   "included_paths": policy.included_paths, "excluded_paths": policy.excluded_paths,
                   "filename_exclusions": policy.filename_exclusions} if policy else None,
        "collection": {"id": collection.id, "custodian": collection.username or None,
                       "from": _iso(collection.date_from), "to": _iso(collection.date_to),
                       "requested_by": actor.username, "collected_at": _iso(utcnow())},
        "custodians": [{"username": u.username, "email": u.email, "name": f"{u.first_name} {u.last_name}".strip()}
                       for u in custodians],
        "devices_not_collected": package.not_collected,
    }
    package.add_bytes("matter.json", _json(described))
    # The manifest is written from its journal, a line at a time: a million files are not held in memory.
    entry = package.writer("manifest.json")
    entry.write(f'{{"algorithm": "SHA-256", "events": {package.counts["events"]}, '
                f'"files_collected": {package.counts["files"]}, "files": [')
    for n, line in enumerate(package.manifest.lines()):
        entry.write(("\n " if n == 0 else ",\n ") + json.dumps(line, ensure_ascii=False))
    entry.write("\n]}\n")
    entry.close()


def _finish(collection, status, sha256="", size=0, files=0, events=0, error=""):
    collection.status, collection.finished_at = status, utcnow()
    collection.sha256, collection.bytes, collection.files, collection.events = sha256, size, files, events
    collection.error = error[:1000]
    db.session.commit()


def _audit_download(actor, job):
    """Every download of a package is audited, with the package's SHA-256."""
    collection = db.session.scalar(select(Collection).where(Collection.job_id == job.id))
    matter = db.session.get(Matter, collection.matter_id) if collection else None
    if matter is None:
        return
    audit.record("legalhold.collection_download", actor=actor, object_type="matter", object_id=matter.uid,
                 object_label=matter.name, details={"collection": collection.id, "sha256": collection.sha256})
    db.session.commit()


DOWNLOAD_AUDITS[KIND] = _audit_download
