"""API clients: programs (scripts, SIEM connectors, the incydr SDK) that call the REST API with a client id
and a secret instead of a person's password.

A client acts with the roles an administrator gave it, scoped from its organization exactly as a user with
those roles is, and is audited as itself ("NAME (API client)"). Its secret is shown once and kept only as a
SHA-256. It signs in for a short-lived access token: a JWT signed with the server's secret, naming the
client and the tenant (the incydr SDK reads the tenant from the token). Revoking a client ends its tokens
at once: every call looks the client up.
"""
import hashlib
import hmac
import secrets
import time
from datetime import timedelta

import jwt
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.domain import audit
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.queries import search
from webconsole.domain.scope import reaches, restrict, scope_for
from webconsole.domain.users import grantable_roles
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import ApiClient, Org
from webconsole.models.base import utcnow

PERMISSION = "api_clients.manage"
TOKEN_SECONDS = 900
NAME_MIN, NAME_MAX = 3, 100
USED_EVERY = timedelta(minutes=1)  # "last used" is written at most this often per client


class ClientActor:
    """An API client as the domain sees an actor: its roles, its org, no user id (nothing it does is
    another person's), and its name for the audit."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    id = None
    session_id = None

    def __init__(self, client):
        self.client = client
        self.roles, self.org, self.org_id = list(client.roles), client.org, client.org_id
        self.username = f"{client.name} (API client)"
        self.email, self.first_name, self.last_name, self.uid = "", client.name, "", client.client_id
        self.blocked, self.status, self.locale, self.notes = False, "active", None, ""
        self.created_at = self.updated_at = client.created_at

    def get_id(self):
        return None


def _digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def _scope(actor):
    return scope_for(actor, PERMISSION)


def client_list(actor, params):
    """Select of the API clients whose organization `actor` reaches, for their list."""
    stmt = (select(ApiClient.id, ApiClient.name, ApiClient.client_id, ApiClient.created_by_username,
                   ApiClient.created_at, ApiClient.last_used_at, ApiClient.revoked_at, Org.name.label("org_name"))
            .join(Org, Org.id == ApiClient.org_id))
    stmt = restrict(stmt, _scope(actor), org_column=ApiClient.org_id)
    if params.filters.get("state") == "active":
        stmt = stmt.where(ApiClient.revoked_at.is_(None))
    elif params.filters.get("state") == "revoked":
        stmt = stmt.where(ApiClient.revoked_at.is_not(None))
    return search(stmt, params.q, contains=(ApiClient.name,), equals=(ApiClient.client_id,))


def get_client(actor, client_id):
    number = parse_id(client_id)
    client = db.session.get(ApiClient, number) if number else None
    if client is None or not reaches(_scope(actor), client.org):
        raise NotFound(_l("No such API client."))
    return client


def create_client(actor, *, name, org_id, role_ids):
    """A new API client with roles `actor` may grant, in an org they manage; (the client, its secret)."""
    name = " ".join((name or "").split()) if isinstance(name, str) else ""
    if not NAME_MIN <= len(name) <= NAME_MAX or "\x00" in name:
        raise ValidationError(_l("Enter a name of %(min)d to %(max)d characters.", min=NAME_MIN, max=NAME_MAX),
                              field="name", code="validation.length")
    org = db.session.get(Org, parse_id(org_id)) if parse_id(org_id) else None
    if org is None or org.status != "active" or not reaches(_scope(actor), org):
        raise ValidationError(_l("Choose an active organization you manage."), field="org_id",
                              code="validation.choice")
    granted = {r.id: r for r in grantable_roles(actor)}
    chosen = [parse_id(i) for i in role_ids]
    if not chosen or any(i not in granted for i in chosen):
        raise ValidationError(_l("Choose at least one of the roles you may grant."), field="role_ids",
                              code="user.role_not_grantable")
    secret = secrets.token_urlsafe(32)
    client = ApiClient(client_id="key-" + secrets.token_hex(16), name=name, secret_hash=_digest(secret),
                       org_id=org.id, created_by=actor.id, created_by_username=actor.username)
    client.org = org
    client.roles = [granted[i] for i in dict.fromkeys(chosen)]
    db.session.add(client)
    db.session.flush()
    audit.record("api_client.create", actor=actor, object_type="api_client", object_id=client.client_id,
                 object_label=client.name, details={"org": org.name, "roles": sorted(r.name for r in client.roles)})
    db.session.commit()
    return client, secret


def revoke(actor, client):
    """Revoke a client: its secret no longer signs in and its tokens stop working at once."""
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        audit.record("api_client.revoke", actor=actor, object_type="api_client", object_id=client.client_id,
                     object_label=client.name)
    db.session.commit()


def sign_in(client_id, secret):
    """The active client with these credentials, or None (a wrong secret and an unknown id look the same)."""
    if not isinstance(client_id, str) or not isinstance(secret, str) or len(client_id) > 40 or len(secret) > 200:
        return None
    client = db.session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None or client.revoked_at is not None:
        _digest(secret)  # the same work either way
        return None
    if not hmac.compare_digest(client.secret_hash, _digest(secret)):
        return None
    return client


def tenant_uid():
    """The tenant's UID: this console's top organization's."""
    return db.session.scalar(select(Org.uid).where(Org.parent_id.is_(None)).order_by(Org.id)) or ""


def issue_token(client):
    """A signed access token for `client`, valid TOKEN_SECONDS; recorded as a use."""
    _used(client, utcnow())
    now = int(time.time())
    claims = {"sub": client.client_id, "tenantUid": tenant_uid(), "iat": now, "exp": now + TOKEN_SECONDS,
              "jti": secrets.token_hex(8)}
    return jwt.encode(claims, _key(), algorithm="HS256")


def _key():
    return hashlib.sha256(("api-client-tokens:" + str(current_app.config["SECRET_KEY"])).encode()).digest()


def _used(client, now):
    if client.last_used_at is None or now - client.last_used_at > USED_EVERY:
        client.last_used_at = now
        db.session.commit()


def actor_from_token(token):
    """The ClientActor whose valid, unexpired token this is (its client not revoked), or None."""
    try:
        claims = jwt.decode(token, _key(), algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
        return None
    client = db.session.scalar(select(ApiClient).where(ApiClient.client_id == str(claims["sub"])))
    if client is None or client.revoked_at is not None:
        return None
    _used(client, utcnow())
    return ClientActor(client)


def role_choices(actor):
    """(id, role) of the roles `actor` may give a client."""
    return [(r.id, r) for r in grantable_roles(actor)]

