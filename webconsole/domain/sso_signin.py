"""Signing in through an OpenID Connect provider: the authorization code flow with PKCE, state and nonce.

`begin` gives the address to send the browser to and what the door keeps in the (signed) session cookie
until the provider sends the browser back; `complete` checks that answer, exchanges the code, verifies the
ID token (signature against the issuer's keys, iss, aud, exp, nonce), finds the user the username claim
names (or creates them, when the provider allows it) and opens a session like a password sign-in.
Every refusal is audited as signin.failed with its reason and raised as SingleSignOnFailed.
"""
import hmac
import re
import secrets

import jwt
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webconsole.domain import audit, keystore, sessions
from webconsole.domain.auth import normalise_username
from webconsole.domain.errors import DomainError
from webconsole.domain.sso_providers import (
    TIMEOUT,
    ProviderUnavailable,
    cached,
    discover,
    fetch_json,
    governing_provider,
)
from webconsole.extensions import db
from webconsole.models import IdentityProvider, SignInAttempt, User
from webconsole.models.base import utcnow

# ID tokens signed with the provider's private key only: never "none", never a shared-secret HMAC.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
# Clock difference tolerated between the provider and this server, in seconds.
LEEWAY = 60
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")

MESSAGES = {
    "unreachable": _l("The identity provider could not be reached. Try again later, or ask your administrator."),
    "state": _l("This sign-in has expired or was already used. Start again from the sign-in page."),
    "refused": _l("The identity provider did not sign you in."),
    "token": _l("The identity provider's answer could not be verified, so you were not signed in."),
    "claim": _l("The identity provider did not say who you are, so you were not signed in."),
    "unknown": _l("No account in the console matches the one you signed in with. Ask your administrator to "
                  "add you."),
    "inactive": _l("Your account may not sign in. Ask your administrator."),
    "provider": _l("This identity provider is not available for your account."),
}


class SingleSignOnFailed(DomainError):
    """A sign-in through a provider was refused; `reason` says why, for the audit log."""

    code = "sso.failed"

    def __init__(self, kind, reason):
        super().__init__(MESSAGES[kind], code=f"sso.{kind}")
        self.reason = reason


def _fail(kind, reason, address, provider=None, user=None, username=""):
    audit.record("signin.failed", actor=user, actor_username=username or getattr(user, "username", ""),
                 address=address, object_type="user", object_label=username,
                 details={"reason": reason, "door": "sso", "provider": provider.name if provider else None})
    db.session.commit()
    raise SingleSignOnFailed(kind, reason)


def _configuration(provider):
    return cached(("discovery", provider.issuer), lambda: discover(provider.issuer))


def begin(provider_id, redirect_uri, address):
    """(the provider's authorization address, what to keep until the callback) for an enabled provider."""
    provider = db.session.get(IdentityProvider, provider_id)
    if provider is None or not provider.enabled:
        _fail("provider", "provider unknown or disabled", address, provider)
    try:
        document = _configuration(provider)
    except ProviderUnavailable as error:
        _fail("unreachable", f"discovery failed: {error.message}", address, provider)
    pending = {"provider_id": provider.id, "state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
               "verifier": secrets.token_urlsafe(48)}
    client = OAuth2Session(provider.client_id, scope=provider.scopes, redirect_uri=redirect_uri,
                           code_challenge_method="S256")
    url, _state = client.create_authorization_url(document["authorization_endpoint"], state=pending["state"],
                                                  nonce=pending["nonce"], code_verifier=pending["verifier"])
    return url, pending


def _exchange(provider, document, code, verifier, redirect_uri, address):
    """The provider's token answer for `code`; its refusals and silences are failures."""
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    client = OAuth2Session(provider.client_id, keystore.unseal(provider.sealed_secret), redirect_uri=redirect_uri,
                           token_endpoint_auth_method=method)
    try:
        return client.fetch_token(document["token_endpoint"], code=code, code_verifier=verifier, timeout=TIMEOUT)
    except OAuthError as error:
        _fail("refused", f"token request refused: {error.error}"[:200], address, provider)
    except (requests.RequestException, OSError) as error:
        _fail("unreachable", f"token request failed: {type(error).__name__}", address, provider)
    except ValueError:
        _fail("token", "token answer is not JSON", address, provider)


def _signing_key(provider, document, token):
    """The provider's key that signed `token`, from its key set (read again once for a key not seen yet)."""
    kid = jwt.get_unverified_header(token).get("kid")
    for refresh in (False, True):
        keys = cached(("jwks", document["jwks_uri"]), lambda: fetch_json(document["jwks_uri"]), refresh=refresh)
        try:
            found = [k for k in jwt.PyJWKSet.from_dict(keys).keys if kid is None or k.key_id == kid]
        except jwt.PyJWTError:
            found = []
        if found:
            return found[0]
    raise jwt.InvalidTokenError("no key of the provider signed this token")


def verify_id_token(provider, document, token, nonce):
    """The claims of a valid ID token for this provider and nonce; raise jwt.PyJWTError saying why not."""
    algorithm = jwt.get_unverified_header(token).get("alg")
    if algorithm not in ALGORITHMS:
        raise jwt.InvalidAlgorithmError(f"algorithm {algorithm!r} not accepted")
    key = _signing_key(provider, document, token)
    claims = jwt.decode(token, key, algorithms=[algorithm], audience=provider.client_id, issuer=provider.issuer,
                        leeway=LEEWAY, options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise jwt.InvalidAudienceError("several audiences and another authorized party")
    if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
        raise jwt.InvalidTokenError("nonce does not match")
    return claims


def _username_claim(provider, document, claims, token, address):
    """The value of the provider's username claim: in the ID token, else from the userinfo endpoint."""
    value = claims.get(provider.username_claim)
    if value is None and document.get("userinfo_endpoint") and token.get("access_token"):
        try:
            info = fetch_json(document["userinfo_endpoint"],
                              headers={"Authorization": f"Bearer {token['access_token']}"})
        except ProviderUnavailable:
            _fail("unreachable", "userinfo request failed", address, provider)
        # OpenID Connect Core 5.3.2: userinfo is about the ID token's subject, or it is ignored.
        if info.get("sub") == claims["sub"]:
            claims = {**info, **claims}
            value = claims.get(provider.username_claim)
    if not isinstance(value, str) or not value.strip() or len(value) > 255 or any(c.isspace() for c in value.strip()):
        _fail("claim", f"claim {provider.username_claim} missing or not a username", address, provider)
    return normalise_username(value), claims


def _jit_user(provider, username, claims, address):
    """A user created on their first sign-in, in the provider's org and role for them; audited."""
    email = claims.get("email")
    email = email if isinstance(email, str) and _EMAIL.match(email) else username
    user = User(username=username, email=email[:255], password_hash=None, org_id=provider.jit_org.id,
                first_name=str(claims.get("given_name") or "")[:128],
                last_name=str(claims.get("family_name") or "")[:128])
    user.org = provider.jit_org
    user.roles = [provider.jit_role]
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", actor_username=f"{provider.name} (single sign-on)", address=address, obj=user,
                 details={"org": provider.jit_org.name, "roles": [provider.jit_role.name], "door": "sso"})
    return user


def _user_for(provider, username, claims, address):
    user = db.session.scalar(select(User).where(func.lower(User.username) == username))
    if user is None:
        if not (provider.jit_enabled and provider.jit_org and provider.jit_role):
            _fail("unknown", "no such user", address, provider, username=username)
        return _jit_user(provider, username, claims, address)
    governing = governing_provider(user)
    if governing is None or governing.id != provider.id:
        _fail("provider", "user's organization does not use this provider", address, provider, user, username)
    if not user.is_active:
        _fail("inactive", "account not active", address, provider, user, username)
    return user


def complete(pending, answer, redirect_uri, address, user_agent=""):
    """Check the provider's answer (`answer`: the callback's query) against `pending`, and sign the user in.

    Returns the user, whose session is open; raises SingleSignOnFailed (audited) otherwise.
    """
    pending = pending if isinstance(pending, dict) else {}
    state = answer.get("state")
    if not pending.get("state") or not isinstance(state, str) or not hmac.compare_digest(
            state.encode(), str(pending["state"]).encode()):
        _fail("state", "state missing or not this browser's", address)
    provider = db.session.get(IdentityProvider, pending.get("provider_id"))
    if provider is None or not provider.enabled:
        _fail("provider", "provider unknown or disabled", address, provider)
    if answer.get("error"):
        _fail("refused", f"provider answered {answer.get('error')}"[:200], address, provider)
    if not answer.get("code"):
        _fail("refused", "no authorization code", address, provider)
    try:
        document = _configuration(provider)
    except ProviderUnavailable as error:
        _fail("unreachable", f"discovery failed: {error.message}", address, provider)
    token = _exchange(provider, document, answer["code"], pending.get("verifier", ""), redirect_uri, address)
    if not isinstance(token.get("id_token"), str):
        _fail("token", "no ID token", address, provider)
    try:
        claims = verify_id_token(provider, document, token["id_token"], str(pending.get("nonce", "")))
    except ProviderUnavailable as error:
        _fail("unreachable", f"keys unavailable: {error.message}", address, provider)
    except jwt.PyJWTError as error:
        _fail("token", f"ID token refused: {type(error).__name__}: {error}"[:200], address, provider)
    username, claims = _username_claim(provider, document, claims, token, address)
    user = _user_for(provider, username, claims, address)
    sessions.start_session(user, address, user_agent)
    user.last_signin_at = utcnow()
    db.session.add(SignInAttempt(username=user.username, address=address, at=utcnow(), succeeded=True))
    audit.record("signin", actor=user, address=address, obj=user, details={"door": "sso", "provider": provider.name})
    db.session.commit()
    return user
