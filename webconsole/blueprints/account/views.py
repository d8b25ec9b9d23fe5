from flask import abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from webconsole.blueprints.account import bp
from webconsole.blueprints.account.forms import PasswordChangeForm, ProfileForm
from webconsole.blueprints.account.two_factor import section as two_factor_section
from webconsole.domain import account, restores, sessions
from webconsole.domain.devices import backup_summary, devices_of
from webconsole.domain.errors import ValidationError
from webconsole.extensions import db
from webconsole.web.forms import apply_error
from webconsole.web.i18n import COOKIE, valid_locale
from webconsole.web.permissions import public, signed_in
from webconsole.web.themes import COOKIE as THEME_COOKIE
from webconsole.web.themes import valid_theme
from webconsole.web.urls import local_path

ONE_YEAR = 365 * 24 * 3600


def _profile_page(status=200, **forms):
    devices = db.session.scalars(devices_of(current_user.id)).all()
    forms.setdefault("profile_form", ProfileForm(obj=current_user, formdata=None))
    forms.setdefault("password_form", PasswordChangeForm(formdata=None))
    return render_template("account/profile.html", summary=backup_summary(devices), **two_factor_section(),
                           restores=restores.restores_of(current_user),
                           sessions=sessions.sessions_of(current_user),
                           devices=[d for d in devices if d.status != "deactivated"],
                           deactivated=[d for d in devices if d.status == "deactivated"], **forms), status


@bp.get("/profile")
@signed_in
def profile():
    """My Profile: who I am, my org and roles, my devices' backup summary, and my settings."""
    return _profile_page()


@bp.post("/profile")
@signed_in
def update_profile():
    """Change my name and e-mail."""
    form = ProfileForm()
    if not form.validate_on_submit():
        return _profile_page(422, profile_form=form)
    account.update_own_profile(current_user, first_name=form.first_name.data or "",
                               last_name=form.last_name.data or "", email=form.email.data)
    flash(_("Profile saved."), "success")
    return redirect(url_for("account.profile"))


@bp.post("/password")
@signed_in
def change_password():
    """Change my password (proving the current one); my other sessions end."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            account.change_own_password(current_user, form.current.data, form.password.data)
        except ValidationError as error:
            apply_error(form, error)
        else:
            flash(_("Password changed. Your other sessions have been signed out."), "success")
            return redirect(url_for("account.profile"))
    return _profile_page(422, password_form=form)


def _signed_out(message):
    """Leave the browser signed out with a fresh cookie session, on the sign-in page."""
    logout_user()
    session.clear()
    flash(message, "info")
    return redirect(url_for("auth.signin"))


@bp.post("/sessions/<int:session_id>/end")
@signed_in
def end_session(session_id):
    """Sign out one of my sessions (another browser, or this one)."""
    current = session_id == current_user.session_id
    sessions.sign_out_session(current_user, session_id)
    if current:
        return _signed_out(_("You have signed out."))
    flash(_("That session has been signed out."), "success")
    return redirect(url_for("account.profile", _anchor="sessions"))


@bp.post("/sessions/end-all")
@signed_in
def end_all_sessions():
    """Sign out everywhere: every session of mine, this one included."""
    sessions.sign_out_everywhere(current_user)
    return _signed_out(_("You have signed out everywhere."))


def _same_page_with_cookie(name, value):
    """The answer to a preference chosen in a menu: the cookie `name` set to `value` for a year, and the
    page it was chosen on shown again (htmx reloads it; a plain form post goes back to `next`)."""
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 204, {"HX-Refresh": "true"})
    else:
        response = redirect(local_path(request.form.get("next", "")) or url_for("home.index"))
    response.set_cookie(name, value, max_age=ONE_YEAR, httponly=True, samesite="Lax", secure=request.is_secure)
    return response


@bp.post("/locale")
@public
def set_locale():
    """Remember the chosen language in a cookie (and on the account), then show the same page in it."""
    locale = valid_locale(request.form.get("locale", ""))
    if locale is None:
        abort(400)
    if current_user.is_authenticated:
        account.set_preferred_locale(current_user, locale)
    return _same_page_with_cookie(COOKIE, locale)


@bp.post("/theme")
@signed_in
def set_theme():
    """Remember the chosen colour theme in a cookie and on the account, then show the same page in it."""
    theme = valid_theme(request.form.get("theme", ""))
    if theme is None:
        abort(400)
    account.set_preferred_theme(current_user, theme)
    return _same_page_with_cookie(THEME_COOKIE, theme)
