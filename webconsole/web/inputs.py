"""Input that no door can use, refused once for every door with a 4xx that names what was wrong.

A NUL character in the address or a parameter (PostgreSQL cannot store it), a line break in a `next` address, and JSON
that is not JSON (nested past any sensible depth, NaN, Infinity, 1e400, integers beyond 64 bits) are
turned away here, before a view sees them.
"""
import json
import math

from flask import Request, abort, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

LARGEST_INTEGER = 2**63 - 1  # what a BIGINT column holds
NAME_SHOWN = 40  # a hostile field name is shown in the message, but only so much of it


class JSONRefused(ValueError):
    """A JSON body that parses in Python but means nothing to the console; the message says why."""


def _integer(text):
    value = int(text)
    if not -LARGEST_INTEGER - 1 <= value <= LARGEST_INTEGER:
        raise JSONRefused(_("the number %(number)s… is beyond the 64-bit range", number=text[:20]))
    return value


def _float(text):
    value = float(text)
    if not math.isfinite(value):
        raise JSONRefused(_("the number %(number)s is out of range", number=text[:20]))
    return value


def _constant(name):
    raise JSONRefused(_("%(name)s is not a JSON value", name=name))


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, parsing only standard JSON with numbers the console can store."""

    def loads(self, s, **kwargs):
        """Parse `s`; anything refused raises ValueError, which request.get_json turns into a 400."""
        kwargs.update(parse_int=_integer, parse_float=_float, parse_constant=_constant)
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            # The C decoder recurses once per level; a body nested 100 000 deep would exhaust the stack.
            raise JSONRefused(_("it is nested too deeply")) from None


class StrictRequest(Request):
    """A request whose JSON errors say what was wrong instead of a bare 400."""

    def on_json_loading_failed(self, e):
        """400 naming the problem (None means the body was not labelled JSON: werkzeug's 415 stands)."""
        if e is None:
            return super().on_json_loading_failed(e)
        reason = str(e) if isinstance(e, JSONRefused) else _("it is not valid JSON")
        raise BadRequest(description=_("The request body was refused: %(reason)s.", reason=reason))


def _shown(name):
    """A parameter name fit for a message: printable and short."""
    clean = "".join(c if c.isprintable() else "�" for c in name)
    return clean if len(clean) <= NAME_SHOWN else clean[:NAME_SHOWN] + "…"


def _has_control(text):
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def refuse_unusable_parameters():
    """400 for a NUL anywhere in the address, query string or form, or a `next` address with control characters."""
    if "\x00" in request.path:
        abort(400, description=_("The address contains a NUL character."))
    # Only a form body is parsed here: any other body stays unread, for a view to stream it under its own
    # size limit (the storage door takes restic's packs, far beyond the console's usual limit).
    is_form = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    for source in (request.args, request.form) if is_form else (request.args,):
        for name, value in source.items(multi=True):
            if "\x00" in name or "\x00" in value:
                abort(400, description=_("“%(name)s” contains a NUL character, which no field accepts.",
                                         name=_shown(name)))
            if name == "next" and _has_control(value):
                abort(400, description=_("“next” must be an address in this console, without line breaks "
                                         "or other control characters."))


def init_app(app):
    """Parse JSON strictly and refuse unusable parameters on every route."""
    app.json = StrictJSONProvider(app)
    app.request_class = StrictRequest
    app.before_request(refuse_unusable_parameters)
