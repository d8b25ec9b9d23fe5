"""An organization's page and the changes an administrator makes there."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webconsole.blueprints.orgs import bp
from webconsole.blueprints.orgs.forms import OrgCreateForm, OrgEditForm, OrgMoveForm
from webconsole.domain import orgs as domain
from webconsole.domain import two_factor
from webconsole.domain.errors import ValidationError
from webconsole.domain.org_tree import org_tree
from webconsole.web.forms import ConfirmForm, confirm_page, handle_form
from webconsole.web.org_picker import indented
from webconsole.web.permissions import can, require


def _parents(org=None):
    """The org picker of the orgs an org may be put under (never `org` itself or below it)."""
    return [(c.id, indented(c)) for c in org_tree(current_user, "orgs.edit", active_only=True, outside=org)]


def _page(org, status=200, **forms):
    editable = can("orgs.edit")
    forms.setdefault("edit", OrgEditForm(obj=org, formdata=None))
    move = forms.setdefault("move", OrgMoveForm(formdata=None, parent_id=org.parent_id))
    move.parent_id.choices = _parents(org) if editable else []
    return render_template("orgs/detail.html", org=org, editable=editable, children=domain.children(org),
                           ancestors=domain.ancestors(org), two_factor_by=two_factor.requiring_org(org),
                           **forms), status


@bp.route("/new", methods=["GET", "POST"])
@require("orgs.edit")
def create():
    """Add an organization under a parent."""
    form = OrgCreateForm(parent_id=request.args.get("parent", type=int))
    form.parent_id.choices = _parents()
    if request.method == "GET":
        return render_template("orgs/new.html", form=form)
    return handle_form(
        form, lambda f: domain.add_org(current_user, parent_id=f.parent_id.data, name=f.name.data,
                                       ext_ref=f.ext_ref.data or "", notes=f.notes.data or ""),
        lambda org: _("Organization %(name)s created.", name=org.name),
        lambda org: url_for("orgs.detail", org_id=org.id),
        lambda f: (render_template("orgs/new.html", form=f), 422))


@bp.get("/<int:org_id>")
@require("orgs.view")
def detail(org_id):
    """An organization: its place in the tree, registration key, counts, and actions."""
    return _page(domain.get_org(current_user, org_id))


def _change(org_id, form, action, done, form_name):
    """Run `action(form)` for a valid form, then redirect; else show the page with the errors."""
    org = domain.get_org(current_user, org_id, "orgs.edit")
    if form_name == "move":
        form.parent_id.choices = _parents(org)
    return handle_form(form, action, done, url_for("orgs.detail", org_id=org_id),
                       lambda f: _page(org, 422, **{form_name: f}))


@bp.post("/<int:org_id>/edit")
@require("orgs.edit")
def update(org_id):
    """Change the name, external reference, notes and whether two-factor sign-in is required."""
    def save(f):
        domain.update_org(current_user, org_id, name=f.name.data, ext_ref=f.ext_ref.data or "",
                          notes=f.notes.data or "")
        return two_factor.set_required(current_user, org_id, f.require_two_factor.data)

    return _change(org_id, OrgEditForm(), save, _("Organization saved."), "edit")


@bp.post("/<int:org_id>/move")
@require("orgs.edit")
def move(org_id):
    """Put the organization under another parent."""
    return _change(org_id, OrgMoveForm(), lambda f: domain.move_org(current_user, org_id, f.parent_id.data),
                   _("Organization moved."), "move")


@bp.route("/<int:org_id>/registration-key", methods=["GET", "POST"])
@require("orgs.edit")
def regenerate_key(org_id):
    """Confirm, then replace the registration key (agents with the old key can no longer register)."""
    org = domain.get_org(current_user, org_id, "orgs.edit")
    form = ConfirmForm()
    if form.validate_on_submit():
        domain.regenerate_registration_key(current_user, org_id)
        flash(_("New registration key issued."), "success")
        return redirect(url_for("orgs.detail", org_id=org_id), 303)
    return confirm_page(form, subject=org.name, button=_("Regenerate"),
                        question=_("Regenerate the registration key of %(name)s?", name=org.name),
                        consequence=_("The old key stops working at once: agents and installers holding it can no "
                                      "longer register. Devices already registered are not affected."),
                        cancel_url=url_for("orgs.detail", org_id=org.id))


@bp.route("/<int:org_id>/<any(deactivate, reactivate):action>", methods=["GET", "POST"])
@require("orgs.edit")
def change_status(org_id, action):
    """Confirm (saying what else changes), then deactivate or reactivate the organization."""
    org = domain.get_org(current_user, org_id, "orgs.edit")
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            domain.set_org_active(current_user, org_id, action == "reactivate")
        except ValidationError as error:
            flash(str(error), "error")
        else:
            flash(_("Organization deactivated.") if action == "deactivate" else _("Organization reactivated."),
                  "success")
        return redirect(url_for("orgs.detail", org_id=org_id))
    orgs, users, devices = domain.status_effect(org, "active" if action == "deactivate" else "deactivated")
    return render_template("orgs/confirm.html", org=org, form=form, action=action, orgs=orgs, users=users,
                           devices=devices, refusal=domain.status_refusal(current_user, org, action == "reactivate"))
