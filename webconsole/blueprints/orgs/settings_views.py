"""An org's device defaults: one page per settings group, with inheritance and Save / Push / Lock."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webconsole.blueprints.orgs import bp
from webconsole.domain import keystore, settings, settings_spec
from webconsole.domain.errors import ValidationError
from webconsole.domain.orgs import get_org
from webconsole.web.forms import ConfirmForm
from webconsole.web.permissions import can, require

DONE = {
    "save": _l("Saved. Devices registered from now on use these values."),
    "push": _l("Saved and pushed to %(num)s devices. Their users may still change them."),
    "lock": _l("Saved, pushed to %(num)s devices and locked."),
}


def _known(group_key):
    if group_key not in settings_spec.GROUP_KEYS:
        abort(404)


def _page(org, group_key, status=200, shown=None, errors=None):
    state = settings.group_state(org, group_key)
    # What was sent back is shown over the stored values: a form sent without some fields still renders.
    values = {**state.values, **(shown or {})}
    return render_template("orgs/settings.html", org=org, state=state, groups=settings_spec.GROUPS,
                           values=values, errors=errors or {}, destinations=settings.destinations(),
                           editable=can("orgs.edit") and state.editable, confirm=ConfirmForm()), status


@bp.get("/<int:org_id>/settings")
@require("orgs.view")
def settings_index(org_id):
    """Device defaults open on the General group."""
    return redirect(url_for("orgs.settings_group", org_id=org_id, group_key=settings_spec.GROUP_KEYS[0]))


@bp.get("/<int:org_id>/settings/<group_key>")
@require("orgs.view")
def settings_group(org_id, group_key):
    """One settings group of an org: its values, where they come from, and whether they are locked."""
    _known(group_key)
    return _page(get_org(current_user, org_id), group_key)


@bp.post("/<int:org_id>/settings/<group_key>")
@require("orgs.edit")
def save_settings(org_id, group_key):
    """Save, Push or Lock the group's values (the button pressed says which)."""
    _known(group_key)
    org = get_org(current_user, org_id, "orgs.edit")
    mode = request.form.get("mode", "")
    form = request.form.to_dict(flat=False)
    changed_key = _key_type_change(org, group_key, form)
    if changed_key and mode in DONE:
        # The Keystore's key type decides who can open the archives: say what changes before it does.
        return render_template("orgs/confirm_key_type.html", org=org, form=form, mode=mode, key_type=changed_key,
                               effects=keystore.CHANGE_EFFECTS[changed_key],
                               label=dict(settings_spec.group("security").setting("archive_key_type").choices))
    try:
        pushed = settings.save_group(current_user, org_id, group_key, form, mode)
    except ValidationError as error:
        shown = settings_spec.display_values(group_key, form)
        return _page(org, group_key, 422, shown=shown, errors={error.field: str(error)})
    flash(str(DONE[mode]) % {"num": pushed}, "success")
    return redirect(url_for("orgs.settings_group", org_id=org_id, group_key=group_key))


def _key_type_change(org, group_key, form):
    """The new Keystore key type a security form asks for, unless unchanged or already confirmed."""
    if group_key != "security" or form.get("confirm_key_type") == ["yes"]:
        return None
    wanted = (form.get("archive_key_type") or [""])[0]
    current = settings.group_state(org, "security").values.get("archive_key_type")
    return wanted if wanted in keystore.KEY_TYPES and wanted != current else None


@bp.post("/<int:org_id>/settings/<group_key>/own")
@require("orgs.edit")
def own_settings(org_id, group_key):
    """Stop using the parent's values for this group: the org starts from a copy of them."""
    _known(group_key)
    settings.set_inheritance(current_user, org_id, group_key, inherit=False)
    flash(_("This organization now has its own values, starting from its parent's."), "success")
    return redirect(url_for("orgs.settings_group", org_id=org_id, group_key=group_key))


@bp.route("/<int:org_id>/settings/<group_key>/inherit", methods=["GET", "POST"])
@require("orgs.edit")
def inherit_settings(org_id, group_key):
    """Confirm, then use the parent's values again, discarding the org's own."""
    _known(group_key)
    org = get_org(current_user, org_id, "orgs.edit")
    group = settings_spec.group(group_key)
    form = ConfirmForm()
    if form.validate_on_submit():
        settings.set_inheritance(current_user, org_id, group_key, inherit=True)
        flash(_("This organization uses its parent's values again."), "success")
        return redirect(url_for("orgs.settings_group", org_id=org_id, group_key=group_key))
    return render_template("orgs/confirm_inherit.html", org=org, group=group, form=form)
