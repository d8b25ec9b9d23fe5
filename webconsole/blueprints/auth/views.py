import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from webconsole.blueprints.auth import bp
from webconsole.blueprints.auth.forms import SignInCodeForm, SignInForm
from webconsole.domain.auth import SignInRefused, SignInThrottled, begin_sign_in, finish_sign_in, sign_out
from webconsole.domain.sso_providers import sign_in_choices
from webconsole.web.navigation import home_endpoint
from webconsole.web.permissions import public, signed_in
from webconsole.web.two_factor import ENROL_FLAG, enrol_endpoint
from webconsole.web.urls import local_path

# The password step is good for this long, and for this many wrong codes (every one of which also counts
# toward the sign-in throttling on the server, which a replayed cookie cannot undo).
PENDING_SECONDS = 300
PENDING_TRIES = 5
PENDING = "signin_pending"


def _signed_in(user, next_path, enrol=False):
    """Log the browser in on a fresh cookie session: nothing from before (its CSRF token above all) carries over."""
    session.clear()
    login_user(user)
    if enrol:
        session[ENROL_FLAG] = True
        flash(_("Your organization requires two-factor sign-in. Set it up to continue."), "info")
        return redirect(url_for(enrol_endpoint()))
    return redirect(local_path(next_path) or url_for(home_endpoint()))


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
            user, step = begin_sign_in(form.username.data, form.password.data, request.remote_addr or "",
                                       request.headers.get("User-Agent", ""))
        except (SignInRefused, SignInThrottled) as refused:
            flash(str(refused), "error")
            status = 429 if isinstance(refused, SignInThrottled) else 401
        else:
            if step != "code":
                return _signed_in(user, form.next.data, enrol=step == "enrol")
            session.clear()
            session[PENDING] = {"user": user.id, "until": int(time.time()) + PENDING_SECONDS, "tries": 0,
                                "next": local_path(form.next.data) or ""}
            return redirect(url_for("auth.signin_code"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/signin.html", form=form, providers=sign_in_choices()), status


def _pending():
    """The password step of this browser's sign-in, while it lasts; None otherwise."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("until"), int) or pending["until"] < time.time():
        session.pop(PENDING, None)
        return None
    return pending


@bp.route("/signin/code", methods=["GET", "POST"])
@public
def signin_code():
    """Sign in, second step: the code from the authenticator app, or a recovery code."""
    pending = _pending()
    if pending is None:
        flash(_("Sign in again: the sign-in took too long."), "error")
        return redirect(url_for("auth.signin"))
    form = SignInCodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = finish_sign_in(pending.get("user"), form.code.data, request.remote_addr or "",
                                  request.headers.get("User-Agent", ""))
        except SignInThrottled as refused:
            session.pop(PENDING, None)
            flash(str(refused), "error")
            return redirect(url_for("auth.signin"))
        except SignInRefused as refused:
            pending["tries"] = pending.get("tries", 0) + 1
            if pending["tries"] >= PENDING_TRIES:
                session.pop(PENDING, None)
                flash(str(refused), "error")
                return redirect(url_for("auth.signin"))
            session[PENDING] = pending
            form.code.errors = [str(refused)]
            status = 401
        else:
            return _signed_in(user, pending.get("next", ""))
    elif request.method == "POST":
        status = 422
    return render_template("auth/signin_code.html", form=form), status


@bp.post("/signout")
@signed_in
def signout():
    """Sign out of this session."""
    sign_out(current_user, request.remote_addr or "")
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.signin"))
