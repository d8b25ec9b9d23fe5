"""Full page or fragment: decided here, once."""
from flask import request


def is_partial():
    """True when htmx asked for a fragment rather than a whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def init_app(app):
    @app.after_request
    def vary_on_hx_request(response):
        # One URL serves a page and a fragment; caches must keep them apart.
        response.vary.add("HX-Request")
        return response
