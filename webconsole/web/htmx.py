"""Full page or fragment: decided here, once."""
from urllib.parse import urlsplit

from flask import abort, request
from flask_babel import gettext as _


def is_partial():
    """True when htmx asked for a fragment rather than a whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def current_url():
    """The page htmx is asking from (its `HX-Current-URL` header), split into parts; None without one."""
    header = request.headers.get("HX-Current-URL")
    if not header:
        return None
    try:
        parts = urlsplit(header)
        parts.port  # noqa: B018 (a port beyond 65535 is only noticed when read)
    except ValueError:
        abort(400, description=_("The HX-Current-URL header is not a valid address."))
    return parts


def init_app(app):
    @app.before_request
    def refuse_malformed_current_url():
        # htmx sends the header with every request; a malformed one is refused before any view reads it.
        current_url()

    @app.after_request
    def vary_on_hx_request(response):
        # One URL serves a page and a fragment; caches must keep them apart.
        response.vary.add("HX-Request")
        return response
