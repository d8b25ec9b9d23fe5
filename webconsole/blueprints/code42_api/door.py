"""The API door's plumbing: bearer authentication, the {"data": ...} envelope, JSON errors the clients
map to their own exceptions, numbered pages over keyset listings, and the clients' query-string values."""
import functools
from collections import OrderedDict
from threading import Lock

import orjson
from flask import Response, current_app, g, jsonify, request
from flask_babel import lazy_gettext as _l

from webconsole.domain.errors import DomainError, Forbidden, NotFound
from webconsole.domain.scope import permissions_of
from webconsole.domain.sessions import load_session_user
from webconsole.web.compression import compress_fast

# Paths of the API (py42's authority and microservice paths, and the API's OpenAPI document): JSON only, no
# cookie, no CSRF, no redirect.
API_PREFIXES = ("/api/v1/", "/api/v3/", "/api/v4/", "/api/v18/", "/api/v27/", "/svc/", "/rpc/",
                "/forensic-search/queryservice/", "/v1/", "/v2/", "/api/openapi.json")
CURSOR_LOOKBACK = 256  # pages searched back for a known cursor before walking from the first page
PAGE_SIZE_MAX = 1000  # py42 asks 500 at a time; more is refused rather than silently cut (it would end its loop)
# The names the original server puts in its error bodies, which py42 looks for to raise a precise error.
LEGACY_NAMES = {
    "user.legal_hold": "ACTIVE_LEGAL_HOLD",
    "device.legal_hold": "ACTIVE_LEGAL_HOLD",
    "legalhold.already_custodian": "USER_ALREADY_IN_HOLD",
    "user.duplicate": "USER_DUPLICATE",
    "org.not_found": "Organization was not found",
    "device.org_not_found": "Unable to find org",
    "legalhold.criteria": "At least one criteria must be specified",
    "legalhold.already_active": "ALREADY_ACTIVE",
    "legalhold.already_inactive": "ALREADY_DEACTIVATED",
}


def is_api_path(path):
    return path.startswith(API_PREFIXES)


class ApiError(Exception):
    """An answer other than success: its HTTP status, a stable code and a message."""

    def __init__(self, status, code, message, field=None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, str(message), field


def error_response(status, code, message, field=None):
    body = {"code": code, "message": str(message)}
    if field:
        body["field"] = field
    if code in LEGACY_NAMES:
        body["name"] = LEGACY_NAMES[code]
    response = jsonify(error=body, data=None)
    response.status_code = status
    return response


def _status_of(error):
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Forbidden):
        return getattr(error, "status", 403)
    return getattr(error, "status", 400)


def bearer_actor():
    """The user whose session token the Authorization header carries (`Bearer <token>`), or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 4096:
        return None
    if token.count(".") == 2:  # an API client's access token (a JWT); a session token has no dot
        from webconsole.domain import api_clients
        return api_clients.actor_from_token(token)
    return load_session_user(token)


def api(permission=None, *, envelope=True, authenticate=True):
    """An API view: the caller authenticated by bearer token (unless `authenticate` is False), holding
    `permission` (any signed-in caller without one); the view's value answered as {"data": value} (bare
    without `envelope`); domain refusals answered as JSON with their code. The view gets the actor first."""
    def decorator(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            actor = None
            if authenticate:
                actor = bearer_actor()
                if actor is None:
                    return error_response(401, "auth.required", _l("Sign in first: send a valid bearer token."))
                if permission and permission not in permissions_of(actor):
                    return error_response(403, "forbidden", _l("Your role does not include this."))
                g.api_actor = actor
            try:
                value = view(actor, *args, **kwargs) if authenticate else view(*args, **kwargs)
            except ApiError as error:
                return error_response(error.status, error.code, error.message, error.field)
            except DomainError as error:
                from webconsole.extensions import db
                db.session.rollback()
                return error_response(_status_of(error), error.code, error.message, error.field)
            if isinstance(value, Response):
                return value
            if value is None:
                return "", 204
            return jsonify(data=value) if envelope else jsonify(value)

        guarded.permission = f"api:{permission or ('signed_in' if authenticate else 'credentials')}"
        return guarded

    return decorator


# -- the clients' query-string values --------------------------------------------------------------

def flag(name):
    """A boolean query argument as py42 sends it (True/False, any case); None when absent or empty."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ApiError(400, "validation.format", _l("%(name)s must be true or false.", name=name), name)


def number(name, default, minimum, maximum, source=None):
    """A whole-number argument within bounds; its default when absent."""
    raw = (source if source is not None else request.args).get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and raw.isascii()
                                                               and raw.strip().lstrip("-").isdigit())):
        raise ApiError(400, "validation.format", _l("%(name)s must be a whole number.", name=name), name)
    value = int(raw)
    if not minimum <= value <= maximum:
        raise ApiError(400, "validation.range",
                       _l("%(name)s must be from %(min)d to %(max)d.", name=name, min=minimum, max=maximum), name)
    return value


def text(name, maximum=255, source=None):
    """A text argument (a string, at most `maximum` characters, no NUL), or None when absent."""
    raw = (source if source is not None else request.args).get(name)
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > maximum or "\x00" in raw:
        raise ApiError(400, "validation.format", _l("%(name)s must be text of at most %(max)d characters.",
                                                    name=name, max=maximum), name)
    return raw


def body():
    """The request's JSON object (an empty one without a body); 400 for anything else."""
    if not request.get_data(cache=True):
        return {}
    try:
        value = request.get_json(force=True, silent=False)
    except Exception:  # noqa: BLE001 - any parse failure (depth, encoding) is the caller's
        raise ApiError(400, "validation.json", _l("The body is not valid JSON.")) from None
    if not isinstance(value, dict):
        raise ApiError(400, "validation.json", _l("The body must be a JSON object."))
    return value


# -- numbered pages over keyset listings -------------------------------------------------------------

class _Cursors:
    """Where numbered page N of a listing ended, per caller and query: py42 asks pages 1, 2, 3... in
    turn, so each page after the first starts from a key (no OFFSET scan) whenever this process served
    the page before. Bounded; a miss walks forward from the nearest known page, reading keys only."""

    def __init__(self, size=2048):
        self.items, self.size, self.lock = OrderedDict(), size, Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value):
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_cursors = _Cursors()


def numbered_page(listing, actor, params, page_num, page_size, only=None):
    """The rows of page `page_num` (1-based) of `page_size` rows of `listing` as `actor` sees it; with `only`,
    of the row id and those columns (Listing.page)."""
    from webconsole.domain.listings.engine import end_read

    # Whose view it is: a user by id; an API client (no user id) by its client id, as clients differ in scope.
    viewer = actor.id if actor.id is not None else ("client", actor.uid)
    base = (viewer, listing.key, repr(params), page_size)
    after, start = None, 1
    if page_num > 1:
        found = _cursors.get((*base, page_num - 1))
        if found is not None:
            after, start = found, page_num
        else:
            # The nearest page this process knows the end of, looking back a bounded way: a page number of a
            # billion must not cost a billion lookups before the walk finds the listing ends much sooner.
            for n in range(page_num - 2, max(page_num - 2 - CURSOR_LOOKBACK, 0), -1):
                found = _cursors.get((*base, n))
                if found is not None:
                    after, start = found, n + 1
                    break
    while start < page_num:  # walk forward, keys only
        page = listing.page(actor, params, limit=page_size, after=after, only=())
        if page.next is None:
            return []
        after, start = page.next, start + 1
        _cursors.put((*base, start - 1), after)
    page = listing.page(actor, params, limit=page_size, after=after, only=only)
    if page.next is not None:
        _cursors.put((*base, page_num), page.next)
    end_read()
    return page.rows


def page_args(page_name="pgNum", size_name="pgSize", default_size=100, first=1):
    """(page number, page size) from the query string, py42's way (1-based `pgNum`, `pgSize`)."""
    size = number(size_name, default_size, 1, PAGE_SIZE_MAX)
    page = number(page_name, first, first, 10**9)
    return page - first + 1, size


def iso(moment):
    """A stored UTC datetime as the clients read it: ISO 8601 with milliseconds and Z."""
    return moment.isoformat(timespec="milliseconds") + "Z" if moment else None


def json_response(value):
    """`value` (plain dicts, lists, text and numbers) as a JSON answer for the large pages (a file-event page of
    10 000 events): encoded by orjson and compressed at the fastest levels (web.compression.compress_fast).
    Everything else goes through Flask's JSON provider and Flask-Compress."""
    return compress_fast(Response(orjson.dumps(value), mimetype="application/json"))


def base_url():
    """This console's own origin, as the clients reached it (no trailing slash)."""
    return request.host_url.rstrip("/") if request else current_app.config.get("WEBSITE_URL", "")
