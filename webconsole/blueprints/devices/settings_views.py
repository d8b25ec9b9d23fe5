"""A device's settings: every value with where it came from, editable where nothing locks it."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webconsole.blueprints.devices import bp
from webconsole.domain import settings, settings_spec
from webconsole.domain.devices import get_device
from webconsole.domain.errors import ValidationError
from webconsole.web.permissions import can, require


def _page(device, status=200, failed=None, shown=None, errors=None):
    groups = [(g, settings.device_group(device, g.key)) for g in settings_spec.GROUPS]
    return render_template("devices/settings.html", device=device, groups=groups, failed=failed,
                           shown=shown or {}, errors=errors or {}, destinations=settings.destinations(),
                           editable=can("devices.edit")), status


@bp.get("/<int:device_id>/settings")
@require("devices.view")
def settings_page(device_id):
    """The device's settings, group by group, each value with its origin and any lock."""
    return _page(get_device(current_user, device_id))


@bp.post("/<int:device_id>/settings/<group_key>")
@require("devices.edit")
def save_settings(device_id, group_key):
    """Set the device's own values for one group; refused where a lock applies."""
    if group_key not in settings_spec.GROUP_KEYS:
        abort(404)
    device = get_device(current_user, device_id, "devices.edit")
    form = request.form.to_dict(flat=False)
    try:
        settings.change_device_group(current_user, device, group_key, form)
    except ValidationError as error:
        shown = settings_spec.display_values(group_key, form)
        return _page(device, 422, failed=group_key, shown=shown, errors={error.field: str(error)})
    flash(_("Device settings saved."), "success")
    return redirect(url_for("devices.settings_page", device_id=device_id) + f"#group-{group_key}")
