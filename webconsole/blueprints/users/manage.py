"""A user's page and the changes an administrator makes there."""
from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webconsole.blueprints.users import bp
from webconsole.blueprints.users.forms import (
    PasswordResetForm,
    UserCreateForm,
    UserMoveForm,
    UserProfileForm,
    UserRolesForm,
)
from webconsole.domain import two_factor
from webconsole.domain import users as domain
from webconsole.domain.devices import devices_of
from webconsole.domain.org_tree import org_tree
from webconsole.domain.permissions import role_label
from webconsole.extensions import db
from webconsole.web.forms import ConfirmForm, handle_form
from webconsole.web.org_picker import indented
from webconsole.web.permissions import can, require


def _choices(form):
    if hasattr(form, "org_id"):
        form.org_id.choices = [(c.id, indented(c)) for c in org_tree(current_user, "users.edit", active_only=True)]
    if hasattr(form, "role_ids"):
        form.role_ids.choices = [(r.id, role_label(r)) for r in domain.grantable_roles(current_user)]
    return form


def _page(user, status=200, **forms):
    """The user page, with any form given in place of its fresh default."""
    manageable = domain.manageable(current_user, user)
    grantable = {r.id for r in domain.grantable_roles(current_user)}
    forms.setdefault("profile", UserProfileForm(obj=user, formdata=None))
    forms.setdefault("roles", _choices(UserRolesForm(
        formdata=None, role_ids=[r.id for r in user.roles if r.id in grantable])))
    forms.setdefault("password", PasswordResetForm(formdata=None))
    forms.setdefault("move", _choices(UserMoveForm(formdata=None, org_id=user.org_id)))
    devices = db.session.scalars(devices_of(user.id)).all()
    # Say why an administrator sees no buttons, rather than leave them guessing.
    beyond = [role_label(r) for r in domain.roles_beyond(current_user, user)] if can("users.edit") else []
    return render_template("users/detail.html", user=user, devices=devices, manageable=manageable, beyond=beyond,
                           two_factor=two_factor.status(user), confirm=ConfirmForm(), **forms), status


@bp.route("/new", methods=["GET", "POST"])
@require("users.edit")
def create():
    """Add a user: the organization first, then who they are and what they may do."""
    form = _choices(UserCreateForm(org_id=request.args.get("org", type=int)))
    if request.method == "GET":
        return render_template("users/new.html", form=form)
    return handle_form(
        form, lambda f: domain.create_user(
            current_user, org_id=f.org_id.data, username=f.username.data, first_name=f.first_name.data or "",
            last_name=f.last_name.data or "", password=f.password.data, role_ids=f.role_ids.data or []),
        lambda user: _("User %(name)s created.", name=user.username),
        lambda user: url_for("users.detail", user_id=user.id),
        lambda f: (render_template("users/new.html", form=f), 422))


@bp.get("/<int:user_id>")
@require("users.view")
def detail(user_id):
    """A user's profile, roles, organization and devices."""
    return _page(domain.get_user(current_user, user_id))


def _change(user_id, form, action, done, form_name):
    """Run `action(form)` for a valid form, then redirect; else show the page with the errors."""
    user = domain.get_user(current_user, user_id, "users.edit")
    return handle_form(form, action, done, url_for("users.detail", user_id=user_id),
                       lambda f: _page(user, 422, **{form_name: f}))


@bp.post("/<int:user_id>/profile")
@require("users.edit")
def update_profile(user_id):
    """Change a user's name and e-mail."""
    return _change(user_id, UserProfileForm(), lambda f: domain.update_profile(
        current_user, user_id, first_name=f.first_name.data or "", last_name=f.last_name.data or "",
        email=f.email.data), _("Profile saved."), "profile")


@bp.post("/<int:user_id>/roles")
@require("users.edit")
def update_roles(user_id):
    """Replace the roles the signed-in administrator may grant."""
    return _change(user_id, _choices(UserRolesForm()), lambda f: domain.set_roles(
        current_user, user_id, f.role_ids.data or []), _("Roles saved."), "roles")


@bp.post("/<int:user_id>/password")
@require("users.edit")
def reset_password(user_id):
    """Set a new password; the user is signed out everywhere."""
    return _change(user_id, PasswordResetForm(), lambda f: domain.reset_password(
        current_user, user_id, f.password.data), _("Password changed. The user has been signed out."), "password")


@bp.post("/<int:user_id>/move")
@require("users.edit")
def move(user_id):
    """Move a user and their devices to another organization."""
    return _change(user_id, _choices(UserMoveForm()), lambda f: domain.move_user(
        current_user, user_id, f.org_id.data), _("User moved."), "move")
