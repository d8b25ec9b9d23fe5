"""The device side of the house: registration, authentication, heartbeats and command results.

Every rule an agent meets is here, so the agent API door stays thin and other doors (the console
command line, the simulator) use the same rules.
"""
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text, bindparam, cast, func, insert, literal, select, update
from sqlalchemy.orm import joinedload

from webconsole.domain import audit, effective_settings, preservation, properties, settings, settings_spec
from webconsole.domain.auth import check_device_credentials
from webconsole.domain.errors import DomainError, NotFound, ValidationError
from webconsole.domain.users import refresh_user_totals
from webconsole.extensions import db
from webconsole.models import (
    BackupState,
    Destination,
    Device,
    DeviceCommand,
    DeviceSettings,
    Org,
    OrgEffectiveSettings,
    ServerProperty,
)
from webconsole.models.base import utcnow


def heartbeat_seconds():
    """Seconds between heartbeats (the agent.heartbeat_seconds server property)."""
    return properties.value("agent.heartbeat_seconds")


def online_grace():
    """A device counts as online while its heartbeats arrive; two missed ones and it is offline."""
    return timedelta(seconds=2 * heartbeat_seconds() + 15)


OS_NAMES = {"windows", "macos", "linux"}


class AgentError(DomainError):
    """A request the agent protocol refuses; `code` is stable for agents, `field` names bad input."""

    def __init__(self, code, message, status=400, field=None):
        super().__init__(message, field, code)
        self.status = status


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def register_device(registration, address):
    """Register a device for a user with an org's registration key; returns (device, secret).

    `registration` holds the request's typed values: registration_key, username, password, hostname, os,
    and name, os_version, agent_version, address (empty when not sent).
    """
    key = registration.registration_key.upper()
    org = db.session.scalar(select(Org).where(Org.registration_key == key))
    if org is None or org.status != "active":
        raise AgentError("unknown_registration_key", "the registration key is not valid", 403,
                         field="registration_key")
    try:
        user = check_device_credentials(registration.username, registration.password, address)
    except DomainError:
        db.session.commit()
        raise AgentError("bad_credentials", "the username or password is not correct, or the account "
                         "may not register devices", 403) from None
    if not user.org.path.startswith(org.path):
        raise AgentError("wrong_organization", "the user does not belong to this registration key's "
                         "organization", 403, field="registration_key")
    os_name = registration.os.lower()
    if os_name not in OS_NAMES:
        raise AgentError("invalid_field", "os must be one of windows, macos, linux", field="os")
    hostname = registration.hostname
    secret = secrets.token_urlsafe(32)
    device = Device(name=registration.name or hostname, hostname=hostname, os=os_name,
                    os_version=registration.os_version, agent_version=registration.agent_version,
                    user_id=user.id, org_id=user.org_id, status="active", secret_hash=_hash(secret),
                    address=registration.address, remote_address=address or "",
                    last_connected=utcnow())
    device.org = user.org
    db.session.add(device)
    db.session.flush()
    settings.snapshot_new_device(device)
    refresh_user_totals([user.id])
    audit.record("device.register", actor=user, obj=device, address=address,
                 details={"org": user.org.name, "hostname": hostname})
    db.session.commit()
    return device, secret


# The statements every heartbeat runs, built once: building and keying them cost more than running them.
# The device's backup states (with their destinations) come along with it: a heartbeat needs them.
_DEVICE = select(Device).options(joinedload(Device.backup_states)).where(Device.guid == bindparam("guid"))
_PENDING = (select(DeviceCommand.id, DeviceCommand.command, DeviceCommand.arguments)
            .where(DeviceCommand.device_id == bindparam("device_id"), DeviceCommand.status == "pending")
            .order_by(DeviceCommand.id))


# The writes: the columns set are the parameters' other keys (SQLAlchemy compiles, and caches, one
# statement per set of keys).
_DEVICE_UPDATE = update(Device.__table__).where(Device.__table__.c.id == bindparam("device_key"))
_STATE_UPDATE = update(BackupState.__table__).where(BackupState.__table__.c.id == bindparam("state_key"))
_STATE_INSERT = insert(BackupState.__table__)


def authenticate(guid, secret):
    """The device whose GUID and secret these are, if it may talk to the server; AgentError otherwise."""
    device = db.session.execute(_DEVICE, {"guid": guid or ""}).unique().scalar_one_or_none()
    if device is None or not device.secret_hash or not hmac.compare_digest(device.secret_hash, _hash(secret or "")):
        audit.record_refusal("agent_credential", object_type="device", object_id=(guid or "")[:64])
        raise AgentError("unauthorized", "unknown device or wrong secret", 401)
    if device.status != "active":
        messages = {"blocked": "this device is blocked", "deauthorized": "this device is deauthorized: "
                    "register again", "deactivated": "this device is deactivated"}
        raise AgentError(f"device_{device.status}", messages.get(device.status, "device refused"), 403)
    return device


@dataclass
class BackupReport:
    destination: Destination
    values: dict


RUN_FIELDS = ("status", "files_new", "files_changed", "bytes_new", "error", "snapshot_id")


def _backup_reports(device, items):
    """The reports of a heartbeat with their destinations, every one checked before anything is stored.

    The device's backup states come with their destinations (one query); only a destination the
    device has never reported to is looked up by GUID.
    """
    if not items:
        return []
    known = {s.destination.guid: s.destination for s in device.backup_states}
    unknown = {item.destination_guid for item in items} - set(known)
    if unknown:
        known.update((d.guid, d) for d in db.session.scalars(select(Destination).where(Destination.guid.in_(unknown))))
    reports = []
    for n, item in enumerate(items):
        destination = known.get(item.destination_guid)
        if destination is None:
            raise AgentError("invalid_field", f"backup[{n}].destination_guid names no destination",
                             field=f"backup[{n}].destination_guid")
        values = {
            "selected_files": item.selected_files, "selected_bytes": item.selected_bytes,
            "archive_bytes": item.archive_bytes, "percent_complete": float(item.percent_complete),
            "last_backup": item.last_backup, "last_completed_backup": item.last_completed_backup,
        }
        for field in RUN_FIELDS:  # sent by agents that back up for real
            if getattr(item, field) is not None:
                values[field] = getattr(item, field)
        reports.append(BackupReport(destination, values))
    return reports


def heartbeat(device, report, address):
    """Record what the device reports; answer with its settings and the commands waiting for it.

    `report` holds the request's typed values: backup (a list of destination reports) and agent_version,
    os_version, address (None when not sent, which leaves them as they are).

    Everything is read before anything is written: a heartbeat whose device's bytes changed updates
    its org's totals rows (triggers), and holds their locks from that update to the commit, so that
    stretch is kept to the writes alone; the backup states are written in destination order, so
    two devices of an org always take those rows' locks in the same order.
    """
    with db.session.no_autoflush:
        reports = _backup_reports(device, report.backup)
        commands = db.session.connection().execute(_PENDING, {"device_id": device.id}).all()
        settings_answer, seconds = _settings_and_interval(device)
    # Written with plain statements on the session's connection: the ORM's unit of work, and even its
    # execute, cost more than the database did.
    connection = db.session.connection()
    now = utcnow()
    if commands:  # before the device's row: nothing shared is locked while these are written
        connection.execute(update(DeviceCommand.__table__).where(
            DeviceCommand.id.in_([c.id for c in commands]), DeviceCommand.status == "pending").values(status="sent"))
    changes = {"remote_address": address or "", "last_connected": now}
    for field in ("agent_version", "os_version", "address"):
        if getattr(report, field) is not None:
            changes[field] = getattr(report, field)
    state_writes = []
    if reports:
        summary, state_writes = _backup_changes(device, reports, now)
        changes.update(summary)
    # Only what changed is set: the org totals triggers fire on the bytes columns being set at all.
    changes = {k: v for k, v in changes.items() if k == "last_connected" or getattr(device, k) != v}
    # The device first (its row, then its org's totals row), then each state in destination order.
    connection.execute(_DEVICE_UPDATE, {"device_key": device.id, **changes})
    for statement, values in state_writes:
        connection.execute(statement, values)
    if "archive_bytes" in changes:
        refresh_user_totals([device.user_id])
    db.session.commit()
    return {"heartbeat_seconds": seconds, "settings": settings_answer,
            "commands": [{"id": c.id, "command": c.command, "arguments": c.arguments} for c in commands]}


SUMMARISED = ("selected_bytes", "archive_bytes", "percent_complete", "last_backup", "last_completed_backup")


def _backup_changes(device, reports, now):
    """(the device's new summary values, the statements writing its reported states in destination order)."""
    states = {s.destination_id: s for s in device.backup_states}
    reported = {}
    for report in reports:  # a destination reported twice keeps its last report, as before
        reported[report.destination.id] = report.values
    after = {i: {key: getattr(s, key) for key in SUMMARISED} for i, s in states.items()}
    writes = []
    for destination_id in sorted(reported):
        values, state = reported[destination_id], states.get(destination_id)
        after[destination_id] = {**after.get(destination_id, {}), **values}
        if state is None:
            writes.append((_STATE_INSERT, {"device_id": device.id, "destination_id": destination_id,
                                           "last_connected": now, **values}))
        else:
            changed = {k: v for k, v in values.items() if getattr(state, k) != v}
            writes.append((_STATE_UPDATE, {"state_key": state.id, "last_connected": now, **changed}))
    return _summary(list(after.values())), writes


def _summary(states):
    return {
        "selected_bytes": max((s["selected_bytes"] for s in states), default=0),
        "archive_bytes": sum(s["archive_bytes"] for s in states),
        "percent_complete": min((s["percent_complete"] for s in states), default=0.0),
        "last_backup": max((s["last_backup"] for s in states if s["last_backup"]), default=None),
        "last_completed_backup": max((s["last_completed_backup"] for s in states if s["last_completed_backup"]),
                                     default=None),
    }


def device_settings(device):
    """{group: {key: {"value", "locked"}}}: what the agent applies (it never overrides a locked value).

    Backup sets name their destinations by GUID, as the heartbeat's backup report does.
    """
    return _settings_and_interval(device)[0]


# Every destination as "id:guid,id:guid": a handful of rows, read with the settings.
_GUIDS = select(func.aggregate_strings(cast(Destination.id, String) + ":" + Destination.guid, ",")).scalar_subquery()
_INTERVAL = (select(ServerProperty.value).where(ServerProperty.key == "agent.heartbeat_seconds")
             .scalar_subquery())


# The org's settings come once per row of the device's own groups: read as text, decoded once.
# Whether an active legal hold holds the device's user: a held device's backup settings change.
_HELD = select(preservation.held_user_subquery(bindparam("user_id"))).scalar_subquery()
_SETTINGS = (select(cast(OrgEffectiveSettings.groups, Text), _GUIDS, _INTERVAL, DeviceSettings.group,
                    DeviceSettings.values, _HELD)
             .outerjoin(DeviceSettings, DeviceSettings.device_id == bindparam("device_id"))
             .where(OrgEffectiveSettings.org_id == bindparam("org_id")))


def _settings_and_interval(device):
    """(the device's settings for the agent, the heartbeat interval) in one query: the org's stored
    effective settings, the device's own copies of the groups, the destinations' GUIDs and the
    interval property.
    """
    arguments = {"device_id": device.id, "org_id": device.org_id, "user_id": device.user_id}
    rows = db.session.connection().execute(_SETTINGS, arguments).all()
    if rows:
        stored = json.loads(rows[0][0])
    else:  # the org's settings are not stored yet: work them out once, for every later heartbeat
        stored = effective_settings.compute_and_store(device.org_id, device.org.path)
        rows = db.session.execute(
            select(literal(None), _GUIDS, _INTERVAL, DeviceSettings.group, DeviceSettings.values, _HELD)
            .select_from(Device).outerjoin(DeviceSettings, DeviceSettings.device_id == Device.id)
            .where(Device.id == device.id), arguments).all()
    guids, seconds, held = rows[0][1], rows[0][2], rows[0][5]
    own = {group: values for _s, _g, _i, group, values, _h in rows if group is not None}
    answer = {}
    for group in settings_spec.GROUPS:
        entry = stored[group.key]
        org_values = effective_settings.values(group.key, entry)
        device_values = {} if entry["locked"] else (own.get(group.key) or {})
        answer[group.key] = {s.key: {"value": device_values.get(s.key, org_values[s.key]), "locked": entry["locked"]}
                             for s in group.settings}
    if held:
        _preserve(answer, device)
    _name_destinations(answer, dict(_pair(item) for item in (guids or "").split(",") if item))
    seconds = int(seconds) if seconds is not None else current_app.config["AGENT_HEARTBEAT_SECONDS"]
    return answer, seconds


def _preserve(answer, device):
    """A held device's backup settings as its legal holds decide them (locked: the user cannot lower them)."""
    backup = answer["backup"]
    values, decided = preservation.preserve({k: v["value"] for k, v in backup.items()},
                                          preservation.holds_of(device.user_id), preservation.stored_destination_ids())
    for key in decided:
        backup[key] = {"value": values[key], "locked": True}


def _pair(item):
    destination_id, _, guid = item.partition(":")
    return int(destination_id), guid


def _name_destinations(answer, guids):
    """Backup sets name destinations by id in the database and by GUID to the agent."""
    for group in settings_spec.GROUPS:
        for setting in group.settings:
            if setting.kind == "sets":
                entry = answer[group.key][setting.key]
                entry["value"] = [{**backup_set, "destinations": [guids[d] for d in backup_set.get("destinations", [])
                                                                  if d in guids]}
                                  for backup_set in entry["value"]]


def record_command_result(device, command_id, output, exit_status):
    """Store the output of a command the device ran."""
    command = db.session.get(DeviceCommand, command_id)
    if command is None or command.device_id != device.id:
        raise AgentError("unknown_command", "no such command for this device", 404)
    if command.status not in ("sent", "pending"):
        raise AgentError("command_closed", "this command already has a result", 409)
    command.output, command.exit_status = output, exit_status
    command.status, command.completed_at = "done", utcnow()
    if command.command == "restore":
        from webconsole.domain import restores  # restores reads the agents' settings: imported when needed

        restores.command_finished(command)
    db.session.commit()
    return command


def is_online(device, now=None, grace=None):
    """Has the device's last heartbeat arrived recently enough to count it online? (Pass `grace`, from
    online_grace(), when asking for many devices: it is a server property, read from the database.)"""
    return bool(device.last_connected and (now or utcnow()) - device.last_connected <= (grace or online_grace()))


# The commands the reference agent knows; anything else is refused before it is queued.
COMMANDS = {
    "status": "report what the agent is doing",
    "settings": "show the settings the agent applies",
    "scan": "scan the backup sets for changes now",
    "restart": "restart the agent",
    "version": "show the agent's version",
}


def command_timeout():
    """How long a queued command may wait for its result before it is reported as timed out."""
    return timedelta(seconds=heartbeat_seconds() * 2 + 30)


def queue_command(actor, device, text):
    """Queue a command for an online device (from the console's device command line); audited."""
    name, _, arguments = " ".join((text or "").split()).partition(" ")
    if name not in COMMANDS:
        raise ValidationError(_l("Unknown command. Known commands: %(names)s.", names=", ".join(COMMANDS)),
                              field="command", code="command.unknown")
    if len(arguments) > 1024:
        raise ValidationError(_l("The arguments are too long."), field="command", code="validation.length")
    if device.status != "active" or not is_online(device):
        raise ValidationError(_l("The device is not online, so it cannot receive commands."), field="command",
                              code="device.offline")
    command = DeviceCommand(device_id=device.id, command=name, arguments=arguments, created_by=actor.id)
    db.session.add(command)
    db.session.flush()
    audit.record("device.command", actor=actor, obj=device, details={"command": f"{name} {arguments}".strip()})
    db.session.commit()
    return command


def command_of(device, command_id, now=None):
    """A command queued for `device`, marked expired once the device has had time enough to answer."""
    command = db.session.get(DeviceCommand, command_id)
    if command is None or command.device_id != device.id:
        raise NotFound(_l("No such command."))
    if command.status in ("pending", "sent") and (now or utcnow()) - command.created_at > command_timeout():
        command.status = "expired"
        db.session.commit()
    return command
