"""Deactivate / reactivate and block / unblock a user, with a confirmation where it matters."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webconsole.blueprints.users import bp
from webconsole.domain import preservation, two_factor
from webconsole.domain import users as domain
from webconsole.domain.errors import ValidationError
from webconsole.web.forms import ConfirmForm
from webconsole.web.permissions import require


def _apply(user_id, change, done):
    try:
        change()
    except ValidationError as error:
        flash(str(error), "error")
    else:
        flash(done, "success")
    return redirect(url_for("users.detail", user_id=user_id))


@bp.route("/<int:user_id>/deactivate", methods=["GET", "POST"])
@require("users.edit")
def deactivate(user_id):
    """Confirm, then deactivate a user and stop backing up their devices."""
    user = domain.get_user(current_user, user_id, "users.edit")
    form = ConfirmForm()
    if form.validate_on_submit():
        return _apply(user_id, lambda: domain.set_user_active(current_user, user_id, False),
                      _("%(name)s is deactivated.", name=user.username))
    return render_template("users/confirm_deactivate.html", user=user, form=form,
                           devices=domain.deactivation_effect(user),
                           refusal=preservation.deactivation_refusal([user.id]))


@bp.post("/<int:user_id>/reactivate")
@require("users.edit")
def reactivate(user_id):
    """Reactivate a user and their deactivated devices."""
    return _apply(user_id, lambda: domain.set_user_active(current_user, user_id, True), _("User reactivated."))


@bp.route("/<int:user_id>/block", methods=["GET", "POST"])
@require("users.edit")
def block(user_id):
    """Confirm, then block a user: signed out everywhere, unable to sign in, backups go on."""
    user = domain.get_user(current_user, user_id, "users.edit")
    form = ConfirmForm()
    if form.validate_on_submit():
        return _apply(user_id, lambda: domain.set_user_blocked(current_user, user_id, True),
                      _("%(name)s is blocked.", name=user.username))
    return render_template("users/confirm_block.html", user=user, form=form)


@bp.post("/<int:user_id>/unblock")
@require("users.edit")
def unblock(user_id):
    """Let a blocked user sign in again."""
    return _apply(user_id, lambda: domain.set_user_blocked(current_user, user_id, False), _("User unblocked."))


@bp.route("/<int:user_id>/two-factor/reset", methods=["GET", "POST"])
@require("users.edit")
def reset_two_factor(user_id):
    """Confirm, then remove a user's authenticator app and recovery codes (a lost phone)."""
    user = domain.get_user(current_user, user_id, "users.edit")
    form = ConfirmForm()
    if form.validate_on_submit():
        return _apply(user_id, lambda: two_factor.reset(current_user, user_id),
                      _("Two-factor sign-in of %(name)s is reset.", name=user.username))
    return render_template("users/confirm_two_factor_reset.html", user=user, form=form,
                           required=two_factor.required_for(user))
