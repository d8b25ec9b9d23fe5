"""The device command line: send a command to an online device and show its answer."""
from flask import render_template, request
from flask_login import current_user

from webconsole.blueprints.devices import bp
from webconsole.domain import agents
from webconsole.domain.devices import get_device
from webconsole.domain.errors import ValidationError
from webconsole.web.permissions import require


@bp.post("/<int:device_id>/commands")
@require("devices.edit")
def send_command(device_id):
    """Queue a command for the device; answer with its entry, which polls for the output."""
    device = get_device(current_user, device_id, "devices.edit")
    try:
        command = agents.queue_command(current_user, device, request.form.get("command", ""))
    except ValidationError as error:
        return render_template("devices/_command_error.html", text=request.form.get("command", ""),
                               message=str(error)), 422
    return render_template("devices/_command.html", device=device, command=command)


@bp.get("/<int:device_id>/commands/<int:command_id>")
@require("devices.edit")
def command_output(device_id, command_id):
    """The command's entry as it is now: waiting, answered, or timed out."""
    device = get_device(current_user, device_id, "devices.edit")
    return render_template("devices/_command.html", device=device, command=agents.command_of(device, command_id))
