"""App Updates: the agent versions the server offers, and blocking a bad one everywhere."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from webconsole.blueprints.updates import bp
from webconsole.domain import updates
from webconsole.web.forms import ConfirmForm, DayField, Form, confirm_page, handle_form
from webconsole.web.labels import OS
from webconsole.web.permissions import require


class AgentVersionForm(Form):
    version = StringField(_l("Version"), validators=[DataRequired(), Length(max=32)])
    platform = SelectField(_l("Platform"), choices={p: OS[p] for p in updates.PLATFORMS})
    released_on = DayField(_l("Release date"), validators=[DataRequired()])
    notes = TextAreaField(_l("Release notes"), validators=[Optional(), Length(max=4000)])


def _page(form=None, status=200):
    return render_template("updates/index.html", versions=updates.versions(), form=form or AgentVersionForm(),
                           confirm=ConfirmForm()), status


@bp.get("/")
@require("updates.manage")
def index():
    """The agent versions offered, per platform, with their release notes."""
    return _page()


@bp.post("/")
@require("updates.manage")
def add():
    """List a new agent version."""
    return handle_form(AgentVersionForm(), lambda f: updates.add_version(
        current_user, version=f.version.data, platform=f.platform.data, released_on=f.released_on.data,
        notes=f.notes.data), _("Version added."), url_for("updates.index"), lambda f: _page(f, 422))


@bp.route("/<int:version_id>/block", methods=["GET", "POST"])
@require("updates.manage")
def block(version_id):
    """Confirm, then block a version everywhere: no device is offered it any more."""
    version = updates.get_version(version_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        updates.set_blocked(current_user, version.id, True)
        flash(_("Version blocked."), "success")
        return redirect(url_for("updates.index"), 303)
    label = f"{version.version} ({OS.get(version.platform, version.platform)})"
    return confirm_page(form, subject=label, button=_("Block"), question=_("Block %(name)s?", name=label),
                        consequence=_("No device is offered this version any more, not even where updates are "
                                      "automatic. Devices that already run it keep it until another version is "
                                      "offered."), cancel_url=url_for("updates.index"))


@bp.post("/<int:version_id>/unblock")
@require("updates.manage")
def unblock(version_id):
    """Make a blocked version available again."""
    updates.set_blocked(current_user, version_id, False)
    flash(_("Version available again."), "success")
    return redirect(url_for("updates.index"), 303)
