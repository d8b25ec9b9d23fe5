"""Signing in through an identity provider: off to the provider, and back to the callback."""
from flask import redirect, render_template, request, session, url_for
from flask_login import login_user

from webconsole.blueprints.sso import bp
from webconsole.domain import sso_signin
from webconsole.web.navigation import home_endpoint
from webconsole.web.permissions import public
from webconsole.web.urls import local_path

# What the flow keeps between leaving for the provider and coming back, in the signed session cookie.
PENDING = "sso_pending"


def _callback_url():
    return url_for("sso.callback", _external=True)


def _failed(error):
    return render_template("sso/failed.html", message=error.message), 401 if error.code != "sso.unreachable" else 502


@bp.get("/<int:provider_id>/start")
@public
def start(provider_id):
    """Leave for the provider's sign-in page, with a fresh state, nonce and PKCE verifier."""
    try:
        url, pending = sso_signin.begin(provider_id, _callback_url(), request.remote_addr or "")
    except sso_signin.SingleSignOnFailed as error:
        return _failed(error)
    session[PENDING] = {**pending, "next": local_path(request.args.get("next", "")) or ""}
    return redirect(url, 303)


@bp.get("/callback")
@public
def callback():
    """Where the provider sends the browser back: verify its answer and open a session."""
    pending = session.pop(PENDING, None)
    try:
        user = sso_signin.complete(pending, request.args.to_dict(), _callback_url(), request.remote_addr or "",
                                   request.headers.get("User-Agent", ""))
    except sso_signin.SingleSignOnFailed as error:
        return _failed(error)
    # A fresh cookie session, as after a password sign-in: nothing from before carries over.
    session.clear()
    login_user(user)
    return redirect(pending.get("next") or url_for(home_endpoint()), 303)
