"""The device side of the house: registration, authentication, heartbeats and command results.

Every rule an agent meets is here, so the agent API door stays thin and other doors (the console
command line, the simulator) use the same rules.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.domain import audit, properties, settings, settings_spec
from webconsole.domain.auth import check_credentials
from webconsole.domain.errors import DomainError, NotFound, ValidationError
from webconsole.domain.users import refresh_user_totals
from webconsole.extensions import db
from webconsole.models import BackupState, Destination, Device, DeviceCommand, Org
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
        super().__init__(message)
        self.code, self.status, self.field = code, status, field


def _text(payload, field, max_length=255, required=True):
    value = payload.get(field, "")
    if not isinstance(value, str):
        raise AgentError("invalid_field", f"{field} must be a string", field=field)
    if "\x00" in value:  # PostgreSQL cannot store a NUL character
        raise AgentError("invalid_field", f"{field} contains a NUL character", field=field)
    value = " ".join(value.split())
    if required and not value:
        raise AgentError("missing_field", f"{field} is required", field=field)
    if len(value) > max_length:
        raise AgentError("invalid_field", f"{field} is longer than {max_length} characters", field=field)
    return value


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def register_device(payload, address):
    """Register a device for a user with an org's registration key; returns (device, secret)."""
    key = _text(payload, "registration_key", 32).upper()
    org = db.session.scalar(select(Org).where(Org.registration_key == key))
    if org is None or org.status != "active":
        raise AgentError("unknown_registration_key", "the registration key is not valid", 403,
                         field="registration_key")
    try:
        user = check_credentials(_text(payload, "username"), payload.get("password") or "", address)
    except DomainError:
        db.session.commit()
        raise AgentError("bad_credentials", "the username or password is not correct, or the account "
                         "may not register devices", 403) from None
    if not user.org.path.startswith(org.path):
        raise AgentError("wrong_organization", "the user does not belong to this registration key's "
                         "organization", 403, field="registration_key")
    os_name = _text(payload, "os", 16).lower()
    if os_name not in OS_NAMES:
        raise AgentError("invalid_field", "os must be one of windows, macos, linux", field="os")
    hostname = _text(payload, "hostname")
    secret = secrets.token_urlsafe(32)
    device = Device(name=_text(payload, "name", required=False) or hostname, hostname=hostname, os=os_name,
                    os_version=_text(payload, "os_version", 64, required=False),
                    agent_version=_text(payload, "agent_version", 32, required=False),
                    user_id=user.id, org_id=user.org_id, status="active", secret_hash=_hash(secret),
                    address=_text(payload, "address", 64, required=False), remote_address=address or "",
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


def authenticate(guid, secret):
    """The device whose GUID and secret these are, if it may talk to the server; AgentError otherwise."""
    device = db.session.scalar(select(Device).where(Device.guid == (guid or "")))
    if device is None or not device.secret_hash or not hmac.compare_digest(device.secret_hash, _hash(secret or "")):
        raise AgentError("unauthorized", "unknown device or wrong secret", 401)
    if device.status != "active":
        messages = {"blocked": "this device is blocked", "deauthorized": "this device is deauthorized: "
                    "register again", "deactivated": "this device is deactivated"}
        raise AgentError(f"device_{device.status}", messages.get(device.status, "device refused"), 403)
    return device


def _when(value, field):
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise AgentError("invalid_field", f"{field} must be an ISO 8601 time", field=field)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise AgentError("invalid_field", f"{field} must be an ISO 8601 time", field=field) from None
    if moment.tzinfo is not None:
        try:
            moment = (moment - moment.utcoffset()).replace(tzinfo=None)  # stored as naive UTC
        except OverflowError:  # 0001-01-01T00:00+14:00 is before the calendar starts, in UTC
            raise AgentError("invalid_field", f"{field} is outside the calendar in UTC", field=field) from None
    return moment


def _count(value, field, maximum=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise AgentError("invalid_field", f"{field} must be a number of at least 0", field=field)
    if maximum is not None and value > maximum:
        raise AgentError("invalid_field", f"{field} must be at most {maximum}", field=field)
    return value


@dataclass
class BackupReport:
    destination: Destination
    values: dict


def _backup_reports(items):
    if not isinstance(items, list) or len(items) > 50:
        raise AgentError("invalid_field", "backup must be a list of at most 50 destinations", field="backup")
    reports = []
    for n, item in enumerate(items):
        prefix = f"backup[{n}]"
        if not isinstance(item, dict):
            raise AgentError("invalid_field", f"{prefix} must be an object", field=prefix)
        guid = item.get("destination_guid")
        destination = db.session.scalar(select(Destination).where(Destination.guid == str(guid)))
        if destination is None:
            raise AgentError("invalid_field", f"{prefix}.destination_guid names no destination",
                             field=f"{prefix}.destination_guid")
        reports.append(BackupReport(destination, {
            "selected_files": int(_count(item.get("selected_files", 0), f"{prefix}.selected_files")),
            "selected_bytes": int(_count(item.get("selected_bytes", 0), f"{prefix}.selected_bytes")),
            "archive_bytes": int(_count(item.get("archive_bytes", 0), f"{prefix}.archive_bytes")),
            "percent_complete": float(_count(item.get("percent_complete", 0), f"{prefix}.percent_complete", 100)),
            "last_backup": _when(item.get("last_backup"), f"{prefix}.last_backup"),
            "last_completed_backup": _when(item.get("last_completed_backup"), f"{prefix}.last_completed_backup"),
        }))
    return reports


def heartbeat(device, payload, address):
    """Record what the device reports; answer with its settings and the commands waiting for it."""
    if not isinstance(payload, dict):
        raise AgentError("invalid_body", "the body must be a JSON object")
    reports = _backup_reports(payload.get("backup", []))  # validated whole before anything is stored
    now = utcnow()
    for field, length in (("agent_version", 32), ("os_version", 64), ("address", 64)):
        if field in payload:
            setattr(device, field, _text(payload, field, length, required=False))
    device.remote_address, device.last_connected = address or "", now
    states = {s.destination_id: s for s in device.backup_states}
    for report in reports:
        state = states.get(report.destination.id)
        if state is None:
            state = BackupState(device_id=device.id, destination_id=report.destination.id)
            db.session.add(state)
            states[report.destination.id] = state
        for key, value in report.values.items():
            setattr(state, key, value)
        state.last_connected = now
    if reports:
        _summarise(device, list(states.values()))
        refresh_user_totals([device.user_id])
    commands = db.session.scalars(select(DeviceCommand).where(
        DeviceCommand.device_id == device.id, DeviceCommand.status == "pending").order_by(DeviceCommand.id)).all()
    for command in commands:
        command.status = "sent"
    answer = {"heartbeat_seconds": heartbeat_seconds(), "settings": device_settings(device),
              "commands": [{"id": c.id, "command": c.command, "arguments": c.arguments} for c in commands]}
    db.session.commit()
    return answer


def _summarise(device, states):
    device.selected_bytes = max((s.selected_bytes for s in states), default=0)
    device.archive_bytes = sum(s.archive_bytes for s in states)
    device.percent_complete = min((s.percent_complete for s in states), default=0.0)
    device.last_backup = max((s.last_backup for s in states if s.last_backup), default=None)
    device.last_completed_backup = max((s.last_completed_backup for s in states if s.last_completed_backup),
                                       default=None)


def device_settings(device):
    """{group: {key: {"value", "locked"}}}: what the agent applies (it never overrides a locked value).

    Backup sets name their destinations by GUID, as the heartbeat's backup report does.
    """
    guids = dict(db.session.execute(select(Destination.id, Destination.guid)).all())
    answer = {}
    for group in settings_spec.GROUPS:
        answer[group.key] = {v.setting.key: {"value": _for_agent(v.setting, v.value, guids),
                                             "locked": v.locked_by is not None}
                             for v in settings.device_group(device, group.key)}
    return answer


def _for_agent(setting, value, guids):
    if setting.kind != "sets":
        return value
    return [{**backup_set, "destinations": [guids[d] for d in backup_set.get("destinations", []) if d in guids]}
            for backup_set in value]


def record_command_result(device, command_id, payload):
    """Store the output of a command the device ran."""
    command = db.session.get(DeviceCommand, command_id)
    if command is None or command.device_id != device.id:
        raise AgentError("unknown_command", "no such command for this device", 404)
    if command.status not in ("sent", "pending"):
        raise AgentError("command_closed", "this command already has a result", 409)
    output = payload.get("output", "")
    if not isinstance(output, str) or len(output) > 65536:
        raise AgentError("invalid_field", "output must be text of at most 65536 characters", field="output")
    exit_status = payload.get("exit_status", 0)
    if isinstance(exit_status, bool) or not isinstance(exit_status, int):
        raise AgentError("invalid_field", "exit_status must be an integer", field="exit_status")
    command.output, command.exit_status = output, exit_status
    command.status, command.completed_at = "done", utcnow()
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
                              field="command")
    if len(arguments) > 1024:
        raise ValidationError(_l("The arguments are too long."), field="command")
    if device.status != "active" or not is_online(device):
        raise ValidationError(_l("The device is not online, so it cannot receive commands."), field="command")
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
