"""App Updates: the agent versions the server offers, and blocking a bad one everywhere."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from webconsole.blueprints.updates import bp
from webconsole.domain import updates
from webconsole.web.forms import ConfirmForm, Form, handle_form
from webconsole.web.labels import OS
from webconsole.web.permissions import require


class AgentVersionForm(Form):
    version = StringField(_l("Version"), validators=[DataRequired(), Length(max=32)])
    platform = SelectField(_l("Platform"), choices={p: OS[p] for p in updates.PLATFORMS})
    released_on = DateField(_l("Release date"), validators=[DataRequired()])
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


@bp.post("/<int:version_id>/<any(block, unblock):action>")
@require("updates.manage")
def block(version_id, action):
    """Block a version everywhere, or make it available again."""
    updates.set_blocked(current_user, version_id, action == "block")
    flash(_("Version blocked.") if action == "block" else _("Version available again."), "success")
    return redirect(url_for("updates.index"))
