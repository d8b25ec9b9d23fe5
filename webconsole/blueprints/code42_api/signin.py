"""Signing in and finding the services: the token call, the login configuration, who am I, the tenant,
and the discovery of microservice addresses (all of them this console itself)."""
from flask import Response, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.blueprints.code42_api import bp, shapes
from webconsole.blueprints.code42_api.door import ApiError, api, base_url, error_response
from webconsole.domain import audit, sessions, two_factor
from webconsole.domain.auth import SignInRefused, SignInThrottled, check_credentials, normalise_username
from webconsole.domain.sso_providers import governing_provider
from webconsole.extensions import db
from webconsole.models import Org, User
from webconsole.models.base import utcnow

# The keys py42 asks the key-value store for: every service it names is this console.
SERVICE_KEYS = ("AlertService-API_URL", "FedObserver-API_URL", "FORENSIC_SEARCH-API_URL", "AUDIT-LOG_API-URL",
                "watchlists-API_URL", "CASES_API-URL", "TRUSTED-DOMAINS_API-URL", "EXFILTRATED-DATA-SERVICE_API-URL")


@bp.get("/api/v3/auth/jwt")
@api(authenticate=False)
def token():
    """A session token for HTTP Basic credentials (username:password): {"v3_user_token": ...}. A user with
    two-factor sign-in also sends the current code in the `totp-auth` header (py42's `totp=`)."""
    credentials = request.authorization
    if credentials is None or credentials.type != "basic" or not credentials.username:
        return error_response(401, "auth.required", _l("Send the username and password with HTTP Basic."))
    try:
        user = check_credentials(credentials.username, credentials.password or "", request.remote_addr or "",
                                 code=request.headers.get("totp-auth", "")[:64])
    except SignInThrottled as error:
        return error_response(429, error.code, error.message)
    except SignInRefused as error:
        return error_response(401, error.code, error.message)
    session_token = sessions.start_session(user, request.remote_addr or "", request.headers.get("User-Agent", ""))
    user.last_signin_at = utcnow()
    audit.record("signin", actor=user, obj=user, details={"door": "api"})
    db.session.commit()
    return {"v3_user_token": session_token}


@bp.get("/api/v3/LoginConfiguration")
@api(authenticate=False)
def login_configuration():
    """How a user signs in: CLOUD_SSO for a user whose org signs in through an identity provider (py42 then
    says such users are not supported); LOCAL_2FA for a user with two-factor sign-in and for an unknown
    username (so the answer tells no one which local accounts exist; code42cli then asks for a code);
    LOCAL otherwise."""
    username = request.args.get("username", "")
    if len(username) > 255:
        raise ApiError(400, "validation.length", _l("The username is too long."), "username")
    user = db.session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is not None and governing_provider(user):
        return {"loginType": "CLOUD_SSO"}
    return {"loginType": two_factor.login_type(username)}


@bp.get("/api/v1/User/my")
@api()
def me(actor):
    """The signed-in user."""
    return shapes.user(actor, roles=True)


@bp.get("/api/v3/customer/my")
@api()
def tenant(actor):
    """The tenant: this console's top organization."""
    top = db.session.scalar(select(Org).where(Org.parent_id.is_(None)).order_by(Org.id))
    return {"tenantUid": top.uid if top else "", "name": top.name if top else "", "registrationKey": None}


@bp.get("/api/v1/ServerEnv")
@api()
def server_env(actor):
    """Where py42 finds its microservices: it asks the key-value store beside this address."""
    return {"stsBaseUrl": base_url() + "/sts", "serverId": None}


def _service_url(key):
    def answer():
        return Response(base_url(), mimetype="text/plain")

    answer.__name__ = "service_" + "".join(c if c.isalnum() else "_" for c in key)
    answer.__doc__ = f"The address of the {key} service: this console."
    # The key-value store is asked without credentials; it tells only this console's own address.
    answer.permission = "api:public"
    bp.add_url_rule(f"/v1/{key}", view_func=answer, methods=["GET"])


for _key in SERVICE_KEYS:
    _service_url(_key)


def _client_token():
    from webconsole.domain import api_clients

    credentials = request.authorization
    if credentials is None or credentials.type != "basic" or not credentials.username:
        return error_response(401, "auth.required", _l("Send the client id and secret with HTTP Basic."))
    client = api_clients.sign_in(credentials.username, credentials.password or "")
    if client is None:
        return error_response(401, "auth.refused", _l("The client id or secret is not correct, or the client "
                                                      "was revoked."))
    return {"access_token": api_clients.issue_token(client), "token_type": "bearer",
            "expires_in": api_clients.TOKEN_SECONDS}


@bp.post("/api/v3/oauth/token")
@api(authenticate=False, envelope=False)
def client_token():
    """An API client's access token for HTTP Basic client_id:secret (py42's from_api_client)."""
    return _client_token()


@bp.post("/v1/oauth")
@api(authenticate=False, envelope=False)
def incydr_token():
    """An API client's access token, as the incydr SDK asks for it."""
    return _client_token()
