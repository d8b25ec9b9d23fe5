"""Client Management: deployment policies, and where the agent's appearance is set."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from webconsole.blueprints.clients import bp
from webconsole.domain import deployment
from webconsole.domain.org_tree import org_tree
from webconsole.web.forms import ConfirmForm, Form, confirm_page, handle_form
from webconsole.web.org_picker import indented
from webconsole.web.permissions import require


class DeploymentPolicyForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    org_id = SelectField(_l("Registration organization"), coerce=int, validators=[DataRequired()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])


def _form(form=None):
    form = form or DeploymentPolicyForm()
    form.org_id.choices = [(c.id, indented(c)) for c in org_tree(current_user, "clients.manage")]
    return form


def _page(form=None, status=200):
    server = request.url_root
    rows = [(p, deployment.agent_configuration(p, server), deployment.install_command(p, server))
            for p in deployment.policies()]
    return render_template("clients/index.html", rows=rows, form=_form(form)), status


@bp.get("/")
@require("clients.manage")
def index():
    """Deployment policies with the configuration and install command each one gives installers."""
    return _page()


@bp.post("/")
@require("clients.manage")
def create():
    """Add a deployment policy for an organization."""
    return handle_form(_form(), lambda f: deployment.create_policy(
        current_user, name=f.name.data, org_id=f.org_id.data, notes=f.notes.data),
        _("Deployment policy created."), url_for("clients.index"), lambda f: _page(f, 422))


@bp.route("/<int:policy_id>/delete", methods=["GET", "POST"])
@require("clients.manage")
def delete(policy_id):
    """Confirm, then remove a deployment policy; agents already installed with it stay registered."""
    policy = deployment.get_policy(policy_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        deployment.delete_policy(current_user, policy.id)
        flash(_("Deployment policy deleted."), "success")
        return redirect(url_for("clients.index"), 303)
    return confirm_page(form, subject=policy.name, button=_("Delete"), question=_("Delete %(name)s?", name=policy.name),
                        consequence=_("Its configuration file and install command stop being offered here. Agents "
                                      "already installed with it stay registered. A deleted policy cannot be "
                                      "restored."), cancel_url=url_for("clients.index"))
