"""The REST API that the unmodified Code42 clients speak: the legacy console API (py42, code42cli) and the
Incydr API (the incydr SDK; the incydr_* modules).

docs/api.md describes it; every call goes through the same domain functions, listings and scopes as
the browser. API paths answer JSON only, never redirect, set no cookie, need no CSRF token, and
authenticate by the Authorization header alone.
"""
from flask import Blueprint

from webconsole.extensions import csrf

bp = Blueprint("code42_api", __name__)
csrf.exempt(bp)  # the bearer token in the Authorization header is the credential; no cookie is read

from webconsole.blueprints.code42_api import (  # noqa: E402,F401
    alerts,
    audit,
    cases,
    devices,
    file_events,
    incydr_devices,
    incydr_events,
    incydr_users,
    legal_hold,
    openapi_doc,
    orgs,
    risk_profiles,
    signin,
    users,
    watchlists,
)
