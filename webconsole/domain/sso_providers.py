"""Single sign-on providers (OpenID Connect): their configuration, and which users must sign in through them.

A provider is used by chosen orgs; their users, and those of every org below them, sign in through the
provider only (docs/security.md): a password no longer signs them in, in the browser or the API. An org
uses one provider at most; the nearest org up the tree that uses an enabled provider decides. So that a
provider that is down cannot lock everyone out, an administrator cannot put their own org under it.

The client secret is sealed with the server's master key (domain.keystore) and never shown again.
"""
import json
import re
import threading
import time
from urllib.parse import urlsplit

import requests
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.domain import audit, keystore
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.org_tree import org_tree
from webconsole.domain.scope import reaches, scope_for
from webconsole.domain.users import grantable_roles
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import IdentityProvider, Org, Role, identity_provider_orgs

PERMISSION = "identity.manage"
NAME_MAX, ISSUER_MAX, CLIENT_ID_MAX, SECRET_MAX = 100, 500, 255, 500
DEFAULT_SCOPES = "openid email profile"
# RFC 6749 3.3: a scope token is printable ASCII without space, double quote or backslash.
_SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")
_CLAIM = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
_PRINTABLE = re.compile(r"^[\x21-\x7e]+$")

# Every call to a provider is bounded: (connect, read) seconds, and the size of what is read.
TIMEOUT = (3, 5)
MAX_BYTES = 1_000_000
# Discovery documents and key sets are read again after this long (providers rotate keys).
CACHE_SECONDS = 300


class ProviderUnavailable(ValidationError):
    """The provider's discovery document or keys could not be read, or are not what OpenID Connect says."""

    code = "sso.discovery"


def fetch_json(url, session=None, **kwargs):
    """GET `url` within TIMEOUT and MAX_BYTES and return its JSON object; raise ProviderUnavailable."""
    try:
        with (session or requests).get(url, timeout=TIMEOUT, stream=True, allow_redirects=False, **kwargs) as answer:
            body = answer.raw.read(MAX_BYTES + 1, decode_content=True)
            status = answer.status_code
    except (requests.RequestException, OSError) as error:
        raise ProviderUnavailable(_l("The provider could not be reached at %(url)s.", url=url),
                                  field="issuer") from error
    if status != 200:
        raise ProviderUnavailable(_l("The provider answered %(url)s with HTTP status %(status)d.", url=url,
                                     status=status), field="issuer")
    try:
        if len(body) > MAX_BYTES:
            raise ValueError("too large")
        document = json.loads(body)
    except ValueError as error:
        raise ProviderUnavailable(_l("The provider's answer at %(url)s is not a JSON document.", url=url),
                                  field="issuer") from error
    if not isinstance(document, dict):
        raise ProviderUnavailable(_l("The provider's answer at %(url)s is not a JSON document.", url=url),
                                  field="issuer")
    return document


def discover(issuer):
    """The issuer's OpenID configuration (RFC 8414 / OpenID Discovery), checked; raise ProviderUnavailable."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = fetch_json(url)
    # OpenID Connect Discovery 4.3: the document's issuer is exactly the one asked for.
    if document.get("issuer") != issuer:
        raise ProviderUnavailable(_l("The provider calls itself %(found)s, not %(issuer)s.",
                                     found=str(document.get("issuer"))[:200], issuer=issuer), field="issuer")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not _http_url(document.get(key)):
            raise ProviderUnavailable(_l("The provider's configuration has no valid %(key)s.", key=key),
                                      field="issuer")
    if "code" not in (document.get("response_types_supported") or ["code"]):
        raise ProviderUnavailable(_l("The provider does not offer the authorization code flow."), field="issuer")
    return document


_cache, _cache_lock = {}, threading.Lock()


def cached(key, load, refresh=False):
    """`load()`, kept for CACHE_SECONDS under `key` (one per process); `refresh` reads it again."""
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit and not refresh and hit[0] > now:
        return hit[1]
    value = load()
    with _cache_lock:
        _cache[key] = (now + CACHE_SECONDS, value)
    return value


def _http_url(value):
    if not isinstance(value, str) or not value or len(value) > 2000:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _scope(actor):
    return scope_for(actor, PERMISSION)


def _reachable(actor, provider):
    scope = _scope(actor)
    return all(reaches(scope, org) for org in provider.orgs) and (
        provider.jit_org is None or reaches(scope, provider.jit_org))


def providers(actor):
    """The providers `actor` manages (each of their orgs within reach), by name."""
    rows = db.session.scalars(select(IdentityProvider).order_by(IdentityProvider.name, IdentityProvider.id))
    return [p for p in rows if _reachable(actor, p)]


def get_provider(actor, provider_id):
    """The provider with this id, if `actor` manages it; else NotFound."""
    number = parse_id(provider_id)
    provider = db.session.get(IdentityProvider, number) if number else None
    if provider is None or not _reachable(actor, provider):
        raise NotFound(_l("No such identity provider."))
    return provider


def org_choices(actor):
    """Active orgs `actor` may put under a provider, as OrgChoices in tree order."""
    return org_tree(actor, PERMISSION, active_only=True)


def role_choices(actor):
    """Roles `actor` may give users created just in time."""
    return grantable_roles(actor)


def _text(value, field, largest, pattern=None):
    value = value.strip() if isinstance(value, str) else ""
    if not value or len(value) > largest or (pattern is not None and not pattern.match(value)):
        raise ValidationError(_l("Enter a value of up to %(max)d characters without spaces.", max=largest)
                              if pattern is not None else
                              _l("Enter a value of up to %(max)d characters.", max=largest),
                              field=field, code="validation.invalid")
    return value


def _issuer(value):
    value = value.strip() if isinstance(value, str) else ""
    parts = urlsplit(value) if _http_url(value) and len(value) <= ISSUER_MAX else None
    if parts is None or parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError(_l("Enter the issuer's address, such as https://login.example.com."), field="issuer",
                              code="validation.url")
    return value


def _scopes(value):
    tokens = value.split() if isinstance(value, str) else []
    if "openid" not in tokens or len(" ".join(tokens)) > 255 or not all(_SCOPE.match(t) for t in tokens):
        raise ValidationError(_l("Enter scopes separated by spaces, including openid."), field="scopes",
                              code="validation.invalid")
    return " ".join(dict.fromkeys(tokens))


def _orgs(actor, org_ids, provider):
    chosen = {parse_id(i) for i in org_ids}
    if None in chosen or not chosen <= {o.id for o in org_choices(actor)}:
        raise ValidationError(_l("Choose active organizations you manage."), field="org_ids",
                              code="validation.choice")
    allowed = {o.id: o for o in db.session.scalars(select(Org).where(Org.id.in_(chosen)))}
    taken = db.session.execute(select(identity_provider_orgs.c.org_id, IdentityProvider.name)
                               .join(IdentityProvider)
                               .where(identity_provider_orgs.c.org_id.in_(chosen),
                                      IdentityProvider.id != (provider.id if provider.id else -1))).first()
    if taken is not None:
        raise ValidationError(_l("%(org)s already signs in through %(provider)s.", org=allowed[taken[0]].name,
                                 provider=taken[1]), field="org_ids", code="sso.org_taken")
    return [allowed[i] for i in sorted(chosen)]


def _covers(orgs, org):
    return org is not None and any(org.path.startswith(o.path) for o in orgs)


def _check_lockout(actor, provider):
    """Refuse an enabled provider over the acting administrator's own org (the way back in if it fails)."""
    if provider.enabled and _covers(provider.orgs, getattr(actor, "org", None)):
        raise ValidationError(_l("Your own organization would sign in through this provider. Keep it on "
                                 "password sign-in, so that an administrator can still sign in when the "
                                 "provider is unavailable."), field="org_ids", code="sso.lockout")


def _jit(actor, provider, enabled, org_id, role_id):
    org = db.session.get(Org, parse_id(org_id)) if parse_id(org_id) else None
    role = db.session.get(Role, parse_id(role_id)) if parse_id(role_id) else None
    if org is not None and (org.status != "active" or not _covers(provider.orgs, org)
                            or not reaches(_scope(actor), org)):
        raise ValidationError(_l("Choose one of this provider's organizations, or one below them."),
                              field="jit_org_id", code="validation.choice")
    if role is not None and role.id not in {r.id for r in role_choices(actor)}:
        raise ValidationError(_l("You cannot grant one of the chosen roles."), field="jit_role_id",
                              code="user.role_not_grantable")
    if enabled and (org is None or role is None):
        raise ValidationError(_l("Choose the organization and the role of users created on their first "
                                 "sign-in."), field="jit_org_id", code="validation.required")
    provider.jit_enabled, provider.jit_org, provider.jit_role = bool(enabled), org, role


def save_provider(actor, provider, *, name, issuer, client_id, client_secret, scopes, username_claim,
                  org_ids, jit_enabled=False, jit_org_id=None, jit_role_id=None):
    """Create (`provider` None) or change a provider; an empty secret keeps the stored one. Audited."""
    creating = provider is None
    provider = provider or IdentityProvider(enabled=False, created_by_username=actor.username)
    before = {} if creating else _described(provider)
    provider.name = " ".join(_text(name, "name", NAME_MAX).split())
    provider.issuer = _issuer(issuer)
    provider.client_id = _text(client_id, "client_id", CLIENT_ID_MAX, _PRINTABLE)
    secret = client_secret if isinstance(client_secret, str) else ""
    if secret or creating:
        provider.sealed_secret = keystore.seal(_text(secret, "client_secret", SECRET_MAX, _PRINTABLE))
    provider.scopes = _scopes(scopes)
    provider.username_claim = _text(username_claim or "email", "username_claim", 100, _CLAIM)
    provider.orgs = _orgs(actor, org_ids, provider)
    _jit(actor, provider, jit_enabled, jit_org_id, jit_role_id)
    _check_lockout(actor, provider)
    if creating:
        db.session.add(provider)
    db.session.flush()
    after = _described(provider)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if secret and not creating:
        changed["client_secret"] = "changed"
    audit.record("sso.create" if creating else "sso.update", actor=actor, object_type="identity_provider",
                 object_id=str(provider.id), object_label=provider.name, details=changed)
    db.session.commit()
    return provider


def _described(provider):
    """What the audit says of a provider: everything but its secret."""
    return {"name": provider.name, "issuer": provider.issuer, "client_id": provider.client_id,
            "scopes": provider.scopes, "username_claim": provider.username_claim,
            "orgs": sorted(o.name for o in provider.orgs), "jit_enabled": provider.jit_enabled,
            "jit_org": provider.jit_org.name if provider.jit_org else None,
            "jit_role": provider.jit_role.name if provider.jit_role else None}


def set_enabled(actor, provider, enabled):
    """Enable (its button shows, its orgs sign in through it) or disable (they use passwords again)."""
    provider.enabled = bool(enabled)
    _check_lockout(actor, provider)
    audit.record("sso.enable" if enabled else "sso.disable", actor=actor, object_type="identity_provider",
                 object_id=str(provider.id), object_label=provider.name)
    db.session.commit()


def delete_provider(actor, provider):
    """Remove a provider: its orgs' users sign in with passwords again. Audited."""
    audit.record("sso.delete", actor=actor, object_type="identity_provider", object_id=str(provider.id),
                 object_label=provider.name, details=_described(provider))
    db.session.delete(provider)
    db.session.commit()


def test_discovery(actor, provider):
    """Read the provider's discovery document now; (ok, the document or why not). Audited."""
    try:
        document = cached(("discovery", provider.issuer), lambda: discover(provider.issuer), refresh=True)
    except ProviderUnavailable as error:
        result = (False, error.message)
    else:
        result = (True, document)
    audit.record("sso.discovery_test", actor=actor, object_type="identity_provider", object_id=str(provider.id),
                 object_label=provider.name, details={"ok": result[0]})
    db.session.commit()
    return result


def governing_provider(user):
    """The enabled provider `user` must sign in through (the nearest up their org tree), or None."""
    org = user.org if user is not None else None
    if org is None:
        return None
    ids = [int(i) for i in org.path.strip("/").split("/") if i.isdigit()]
    rows = db.session.execute(select(identity_provider_orgs.c.org_id, IdentityProvider)
                              .join(IdentityProvider)
                              .where(identity_provider_orgs.c.org_id.in_(ids))).all()
    by_org = {org_id: provider for org_id, provider in rows}
    nearest = next((by_org[i] for i in reversed(ids) if i in by_org), None)
    return nearest if nearest is not None and nearest.enabled else None


def sign_in_choices():
    """(id, name) of the enabled providers that some org signs in through, for the sign-in page."""
    stmt = (select(IdentityProvider.id, IdentityProvider.name).where(IdentityProvider.enabled.is_(True))
            .where(IdentityProvider.id.in_(select(identity_provider_orgs.c.provider_id)))
            .order_by(IdentityProvider.name, IdentityProvider.id))
    return db.session.execute(stmt).all()
