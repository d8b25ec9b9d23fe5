"""The browser's side of a listing: display columns, request parsing, signed cursors.

A section declares a ListSpec: a domain Listing (its scoped query, typed filters and sorts) and the
columns its page shows. list_views adds the routes, so every list sorts, scrolls, counts, remembers
widths and (when it offers a choice of columns) reads only the columns a user shows, the same way.
"""
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from flask import abort, current_app, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from webconsole.domain.errors import ValidationError
from webconsole.domain.events import exposure_names
from webconsole.domain.listings import Listing, ListParams, PageKey  # noqa: F401 (ListParams, for doors)
from webconsole.domain.org_tree import OrgChoice
from webconsole.web import labels
from webconsole.web.org_picker import indented

_REGISTRY = {}
# The width (px) a list's default columns fit: its box at a 1440 px window beside the sidebar (1158 px),
# less a scrollbar's. The column chooser of a list with more columns offers the rest.
FIT_WIDTH = 1130

# Labels of the codes a choice filter offers, by filter name (a ListSpec may give its own).
CHOICE_LABELS = {"status": labels.STATUS, "os": labels.OS, "alert": labels.ALERTS, "event": labels.AUDIT_EVENTS,
                 "object": labels.OBJECT_TYPES}


@dataclass(frozen=True)
class Column:
    """A list column: `cell` names the function in web/cells.py that renders it. It is sortable when
    the listing has a sort of the same key."""

    key: str
    label: Any
    cell: str = "text"
    width: int = 160
    numeric: bool = False
    link: tuple | None = None  # (endpoint, argument name): the cell links to the row's page by its id
    panel: str | None = None  # id of an element the link's page opens in (htmx), rather than navigating
    # In a list that offers a choice of columns (ListSpec.choosable):
    optional: bool = False  # hidden until the user chooses it
    required: bool = False  # always shown (it opens the row), so not offered in the choice
    select: tuple = ()  # labelled SQL expressions the cell reads; () means the query's column named `key`
    labels: Any = None  # {stored value: label}: the cell and the export show the label
    permission: str | None = None  # shown only to holders of this permission (a row action)
    exported: bool = True  # False: a control (a row's checkbox), left out of exports

    def export(self, values):
        """This column's value for a CSV export of a row (`values` is the row's mapping)."""
        if self.labels is not None:
            return str(self.labels.get(values[self.key], values[self.key] or ""))
        return EXPORTERS.get(self.cell, _raw)(values, self.key)


@dataclass(frozen=True)
class ListSpec:
    """A list page: the domain listing it pages through and the columns it shows."""

    listing: Listing
    endpoint: str
    columns: list
    export_name: str | None = None  # file name stem of the CSV export; None: no export
    # page_context(actor, params) -> extra template values (what the page shows beside the list)
    page_context: Callable | None = None
    choosable: bool = False  # each user chooses which columns they see (and the CSV export holds)
    export_all: bool = False  # the CSV export holds every column, whichever are shown (a report's)
    choice_labels: dict = field(default_factory=lambda: CHOICE_LABELS)

    def __post_init__(self):
        _REGISTRY[self.key] = self

    @property
    def key(self):
        return self.listing.key

    @property
    def sortable(self):
        return {c.key: c for c in self.columns if c.key in self.listing.sorts}

    @property
    def column_keys(self):
        return {c.key for c in self.columns}

    @property
    def default_columns(self):
        return [c for c in self.columns if not c.optional or not self.choosable]

    def visible_columns(self, chosen, permissions=None):
        """The columns shown, in the list's order: the `chosen` keys (plus the required ones), or the
        defaults when nothing (or nothing this list still has) was chosen; with `permissions` (those of
        the viewer), less the columns of a permission they lack."""
        shown = self.default_columns
        if self.choosable and chosen:
            picked = [c for c in self.columns if c.key in chosen or c.required]
            shown = picked if any(c.key in chosen for c in picked) else self.default_columns
        return [c for c in shown if c.permission is None or c.permission in (permissions or ())]

    def reads(self, columns):
        """What the listing reads to show `columns` (its `only`): None, everything, unless this list offers
        a choice of columns, where hidden ones are never read."""
        if columns is None or not self.choosable:
            return None
        return [expr for column in columns for expr in (column.select or (column.key,))]

    def options(self, flt, actor, chosen=None):
        """[(value, label)] of a filter's choices for `actor` (with `chosen`, the value in use, when the
        choices are too many to list whole), labelled for display; None for typed input."""
        names = self.choice_labels.get(flt.name, {})
        found = flt.options(actor, chosen)
        if found is None:
            # An open code (audit event types): the codes this door can name.
            return sorted(names.items(), key=lambda item: item[0]) if flt.input == "choice" and names else None
        # Orgs come as OrgChoices (the one org picker: indented under their parents).
        return [(str(item.id), indented(item)) if isinstance(item, OrgChoice)
                else (item[0], names.get(item[0], item[1])) for item in found]


def _raw(values, key):
    return values[key]


def _iso(values, key):
    return values[key].isoformat() + "Z" if values[key] else ""


def _label(table):
    return lambda values, key: str(table.get(values[key], values[key] or ""))


EXPORTERS = {
    "datetime": _iso,
    "texts": lambda v, k: ", ".join(v[k] or ()),
    "status": _label(labels.STATUS),
    "user_status": lambda v, k: str(labels.STATUS.get(v[k], v[k])) + (
        f", {labels.STATUS['blocked']}" if v["blocked"] else ""),
    "os": _label(labels.OS),
    "alert": _label(labels.ALERT_BY_LEVEL),
    "person": lambda v, k: " ".join(p for p in (v["first_name"], v["last_name"]) if p),
    "audit_event": _label(labels.AUDIT_EVENTS),
    "audit_object": lambda v, k: " ".join(p for p in (
        str(labels.OBJECT_TYPES.get(v["object_type"], v["object_type"] or "")), v["object_label"], v["object_id"])
        if p),
    "file_event_type": _label(labels.FILE_EVENT_TYPES),
    "file_category": _label(labels.FILE_CATEGORIES),
    "exposure": lambda v, k: ", ".join(str(labels.EXPOSURES[n]) for n in exposure_names(v[k] or 0)),
    "audit_details": lambda v, k: json.dumps(v[k], ensure_ascii=False, sort_keys=True) if v[k] else "",
}


def spec_for(key):
    """The registered ListSpec with this key, or None."""
    return _REGISTRY.get(key)


def params_from_request(spec, args=None, errors=None):
    """The listing's ListParams from the query string: an unknown sort falls back to the default; a
    refused filter raises ValidationError, or, given an `errors` dict, is left out and named there."""
    args = request.args if args is None else args
    return spec.listing.params(sort=args.get("sort"), dir=args.get("dir"), q=args.get("q", ""),
                               filters={f.name: args.get(f.name, "") for f in spec.listing.filters}, errors=errors)


def url_args(spec, params, **overrides):
    """Query-string arguments for a URL of this list (defaults left out to keep URLs short)."""
    values = {"sort": params.sort, "dir": params.dir, "q": params.q or None, **spec.listing.raw(params)}
    values.update(overrides)
    return {k: v for k, v in values.items() if v not in (None, "")}


# -- cursors ---------------------------------------------------------------------------------------

def _serializer(spec):
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"list-cursor:{spec.key}")


def _encode_value(value):
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):  # a calendar day (a departure date)
        return {"d": value.isoformat()}
    if isinstance(value, (list, tuple)):
        return [_encode_value(item) for item in value]
    return value


def _decode_value(value):
    if isinstance(value, dict):
        return date.fromisoformat(value["d"]) if "d" in value else datetime.fromisoformat(value["dt"])
    if isinstance(value, list):
        return [_decode_value(item) for item in value]
    return value


def encode_cursor(spec, params, phase, values, last_id):
    """A signed, opaque cursor carrying the list's parameters and where its page ended: `values` are the
    last row's sort values (a list: the sort's, then its `then` ones; one value alone stands for itself)."""
    return _serializer(spec).dumps({
        "s": params.sort, "d": params.dir, "q": params.q, "f": spec.listing.raw(params),
        "p": phase, "v": _encode_value(list(values) if isinstance(values, (list, tuple)) else [values]),
        "i": last_id,
    })


def cursor_for(spec, params, key):
    """The cursor of the page that starts after the PageKey `key`."""
    return encode_cursor(spec, params, key.phase, key.values, key.id)


def decode_cursor(spec, token):
    """(ListParams, PageKey) from a cursor; a tampered or foreign cursor is a 400."""
    try:
        data = _serializer(spec).loads(token)
        params = spec.listing.params(sort=data["s"], dir=data["d"], q=data["q"], filters=dict(data["f"]))
        if (params.sort, params.dir) != (data["s"], data["d"]):
            raise ValueError(data["s"])
        values = _decode_value(data["v"])
        # Cursors made before every key was a list carried a sort without `then` as its value alone.
        key = PageKey(data["p"], tuple(values) if isinstance(values, list) else (values,), data["i"])
        if not spec.listing.valid_key(params, key):
            raise ValueError(data["v"])  # e.g. a cursor from before the sort had `then` values
        return params, key
    except (BadSignature, KeyError, TypeError, ValueError, ValidationError):
        abort(400, description=_("The list cursor is not valid. Reload the list."))
