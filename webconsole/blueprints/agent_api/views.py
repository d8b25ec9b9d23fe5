"""The agent protocol (JSON over HTTP): documented in docs/agent-protocol.md."""
from functools import wraps

from flask import g, jsonify, request

from webconsole.blueprints.agent_api import bp
from webconsole.blueprints.agent_api.payloads import CommandResult, FileEvents, Heartbeat, Registration
from webconsole.domain import agents, backup_plan, events, restores, updates
from webconsole.domain.errors import DomainError, Forbidden, NotFound
from webconsole.extensions import csrf
from webconsole.web.payloads import read_json

# Agents authenticate with their device secret, not a browser session: no CSRF token to carry.
csrf.exempt(bp)


@bp.errorhandler(DomainError)
def refused(error):
    # AgentError says its status; a body the door could not read (PayloadError) and other refusals are a 400.
    status = getattr(error, "status", None) or (404 if isinstance(error, NotFound) else
                                                 403 if isinstance(error, Forbidden) else 400)
    return jsonify(error=error.as_json()), status


@bp.errorhandler(events.InvalidEvent)
def invalid_event(error):
    if error.index is None:
        field, message = error.field or "events", str(error)
    else:
        field = f"events[{error.index}]" + (f".{error.field}" if error.field else "")
        message = f"events[{error.index}]" + (f".{error}" if error.field else f": {error}")
    body = {"code": error.code, "message": message, "field": field}
    if error.event_id is not None:
        body["eventId"] = error.event_id
    return jsonify(error=body), 400


@bp.errorhandler(413)
def body_too_large(_error):
    return jsonify(error={"code": "body_too_large", "message": "the request body is too large"}), 413


@bp.errorhandler(events.BatchTooLarge)
def batch_too_large(error):
    return jsonify(error=error.as_json()), 413


def device_authenticated(view):
    """Allow the view to a registered device presenting "Authorization: Device <guid>:<secret>"."""
    @wraps(view)
    def guarded(*args, **kwargs):
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        guid, _, secret = credentials.partition(":")
        if scheme != "Device":
            raise agents.AgentError("unauthorized", "send Authorization: Device <guid>:<secret>", 401)
        g.device = agents.authenticate(guid.strip(), secret.strip())
        return view(*args, **kwargs)

    guarded.permission = "device"
    return guarded


def registration(view):
    """Allow the view to an agent that is registering (it proves itself with a key and credentials)."""
    view.permission = "device"
    return view


@bp.post("/register")
@registration
def register():
    """Register a device: registration key and user credentials in, GUID and secret out."""
    device, secret = agents.register_device(read_json(Registration), request.remote_addr or "")
    return jsonify(guid=device.guid, secret=secret, heartbeat_seconds=agents.heartbeat_seconds(),
                   settings=agents.device_settings(device)), 201


@bp.post("/heartbeat")
@device_authenticated
def heartbeat():
    """Report status and backup state; get settings and pending commands back."""
    return jsonify(agents.heartbeat(g.device, read_json(Heartbeat), request.remote_addr or ""))


@bp.post("/file-events")
@device_authenticated
def file_events():
    """Upload a batch of file events: validated whole, stored in one transaction, idempotent by event id."""
    batch = read_json(FileEvents)
    stored, duplicates = events.store_device_batch(g.device, batch.events, request.remote_addr or "")
    return jsonify(received=stored + duplicates, stored=stored, duplicates=duplicates)


@bp.post("/commands/<int:command_id>/result")
@device_authenticated
def command_result(command_id):
    """Post the output of a command the device ran."""
    result = read_json(CommandResult)
    command = agents.record_command_result(g.device, command_id, result.output, result.exit_status)
    return jsonify(id=command.id, status=command.status)


@bp.get("/backup-plan")
@device_authenticated
def plan():
    """Where the device backs up: its destinations' repositories and passwords, and the versions to keep."""
    response = jsonify(backup_plan.plan(g.device))
    response.headers["Cache-Control"] = "no-store"  # it may hold the repository password
    return response


@bp.get("/restores/<int:restore_id>")
@device_authenticated
def restore(restore_id):
    """What a `restore` command asks the device to restore: the version, the paths, where, on conflict."""
    found = restores.restore_for_device(g.device, restore_id)
    if found is None:
        raise agents.AgentError("unknown_restore", "no such restore for this device", 404)
    return jsonify(found)


@bp.get("/client-version")
@device_authenticated
def client_version():
    """Which agent version the device should run, following its organization's update policy."""
    offered = updates.offered_version(g.device)
    return jsonify(current=g.device.agent_version, update=offered is not None,
                   version=offered.version if offered else g.device.agent_version,
                   notes=offered.notes if offered else "")
