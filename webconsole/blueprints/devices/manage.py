"""A device's page and the changes an administrator makes there."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from webconsole.blueprints.devices import bp
from webconsole.domain import agents
from webconsole.domain import devices as domain
from webconsole.web.forms import ConfirmForm, Form, handle_form
from webconsole.web.permissions import can, require

# What each status change does, said before it is confirmed.
CONSEQUENCES = {
    "deactivate": _l("Backup stops and the device no longer counts against a subscription. Its archives "
                     "are kept in cold storage until the retention period ends; reactivating the device "
                     "before then resumes backup with nothing lost."),
    "reactivate": _l("The device may connect and back up again."),
    "block": _l("The device's user can no longer restore from it or change its settings. Backup goes on "
                "and no data is lost."),
    "unblock": _l("The device's user can restore and change settings again."),
    "deauthorize": _l("The agent on the device is signed out and backup stops until someone signs in on the "
                      "device again. No data is lost."),
}
TITLES = {
    "deactivate": _l("Deactivate %(name)s?"), "reactivate": _l("Reactivate %(name)s?"),
    "block": _l("Block %(name)s?"), "unblock": _l("Unblock %(name)s?"), "deauthorize": _l("Deauthorize %(name)s?"),
}
DONE = {
    "deactivate": _l("Device deactivated."), "reactivate": _l("Device reactivated."), "block": _l("Device blocked."),
    "unblock": _l("Device unblocked."), "deauthorize": _l("Device deauthorized."),
}
ACTION_LABELS = {
    "deactivate": _l("Deactivate"), "reactivate": _l("Reactivate"), "block": _l("Block"),
    "unblock": _l("Unblock"), "deauthorize": _l("Deauthorize"),
}


class DeviceRenameForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])


def _page(device, status=200, rename=None):
    editable = can("devices.edit")
    return render_template(
        "devices/detail.html", device=device, states=domain.backup_states(device), online=agents.is_online(device),
        commands=agents.COMMANDS,
        actions=domain.allowed_actions(device) if editable else [], action_labels=ACTION_LABELS,
        rename=rename or DeviceRenameForm(obj=device, formdata=None), editable=editable,
    ), status


@bp.get("/<int:device_id>")
@require("devices.view")
def detail(device_id):
    """A device: identity, backup per destination, and what may be done to it."""
    return _page(domain.get_device(current_user, device_id))


@bp.post("/<int:device_id>/rename")
@require("devices.edit")
def rename(device_id):
    """Give the device a new display name."""
    device = domain.get_device(current_user, device_id, "devices.edit")
    return handle_form(DeviceRenameForm(), lambda f: domain.rename_device(current_user, device_id, f.name.data),
                       _("Device renamed."), url_for("devices.detail", device_id=device_id),
                       lambda f: _page(device, 422, rename=f))


@bp.route("/<int:device_id>/<any(deactivate, reactivate, block, unblock, deauthorize):action>",
          methods=["GET", "POST"])
@require("devices.edit")
def change_status(device_id, action):
    """Confirm, then change the device's status (deactivate, reactivate, block, unblock, deauthorize)."""
    device = domain.get_device(current_user, device_id, "devices.edit")
    if action not in domain.allowed_actions(device):
        abort(409 if request.method == "POST" else 404)
    form = ConfirmForm()
    if form.validate_on_submit():
        domain.change_device_status(current_user, device_id, action)
        flash(str(DONE[action]), "success")
        return redirect(url_for("devices.detail", device_id=device_id))
    return render_template("devices/confirm.html", device=device, form=form, action=action,
                           title=str(TITLES[action]) % {"name": device.name}, label=ACTION_LABELS[action],
                           consequence=CONSEQUENCES[action])
