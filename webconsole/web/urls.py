"""URL helpers shared by the doors."""
from urllib.parse import urlsplit

from flask import url_for
from werkzeug.routing import IntegerConverter

from webconsole.domain.values import LARGEST_EVENT_ID, LARGEST_ID


class IdConverter(IntegerConverter):
    """`<int:...>` in a URL: ASCII digits only (not "٣" or "²"), and no larger than a stored id can be
    (a larger number names nothing, so the URL matches no route: 404)."""

    regex = r"[0-9]+"
    largest = LARGEST_ID

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits, min, self.largest if max is None else max, signed)


class EventIdConverter(IdConverter):
    """`<event_id:...>`: a file event's id, which is 64 bits."""

    largest = LARGEST_EVENT_ID


def local_path(target):
    """`target` if it is a path on this site, else None (so `next` never redirects elsewhere)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in target):  # a line break would split the Location header
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def event_search_url(field, value, start=None, end=None, range_="P90D"):
    """Forensic Search of the events where `field` is `value`: over the days from `start` to `end` when
    given, else over `range_` (the last 90 days)."""
    if start is not None and end is not None:
        dates = {"range": "custom", "from": f"{start:%Y-%m-%d}", "to": f"{end:%Y-%m-%d}"}
    else:
        dates = {"range": range_}
    return url_for("forensics.index", **dates, f1=field, o1="is", v1=value)


def user_events_url(username):
    """Forensic Search of a user's events of the last 90 days."""
    return event_search_url("deviceUserName", username)


def init_app(app):
    """Register the URL converters; before the blueprints, whose routes use them."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["event_id"] = EventIdConverter
