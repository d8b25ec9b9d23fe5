"""The REST API that the unmodified Code42 clients (py42, code42cli) speak: the legacy console API.

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
    devices,
    file_events,
    legal_hold,
    openapi_doc,
    orgs,
    signin,
    users,
)
