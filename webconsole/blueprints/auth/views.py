from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from webconsole.blueprints.auth import bp
from webconsole.blueprints.auth.forms import SignInForm
from webconsole.domain.auth import SignInRefused, SignInThrottled, sign_in, sign_out
from webconsole.domain.sso_providers import sign_in_choices
from webconsole.web.navigation import home_endpoint
from webconsole.web.permissions import public, signed_in
from webconsole.web.urls import local_path


@bp.route("/signin", methods=["GET", "POST"])
@public
def signin():
    """Sign in with username and password."""
    form = SignInForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for(home_endpoint()))
    status = 200
    if form.validate_on_submit():
        try:
            user = sign_in(form.username.data, form.password.data, request.remote_addr or "",
                           request.headers.get("User-Agent", ""))
        except (SignInRefused, SignInThrottled) as refused:
            flash(str(refused), "error")
            status = 429 if isinstance(refused, SignInThrottled) else 401
        else:
            # A fresh cookie session: nothing from before sign-in (its CSRF token above all) carries over.
            session.clear()
            login_user(user)
            return redirect(local_path(form.next.data) or url_for(home_endpoint()))
    elif request.method == "POST":
        status = 422
    return render_template("auth/signin.html", form=form, providers=sign_in_choices()), status


@bp.post("/signout")
@signed_in
def signout():
    """Sign out of this session."""
    sign_out(current_user, request.remote_addr or "")
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.signin"))
