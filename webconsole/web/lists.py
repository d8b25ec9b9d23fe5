"""The list pattern: whitelisted sorts, keyset pages with signed cursors, lazy bounded counts.

A section declares a ListSpec (columns and a query from the domain); this module does the rest,
so every list sorts, scrolls, counts, remembers widths and (when it offers a choice of columns)
reads only the columns a user shows, the same way.
"""
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from flask import abort, current_app, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, tuple_

from webconsole.domain import properties
from webconsole.domain.events import exposure_names
from webconsole.extensions import db
from webconsole.web import labels

SEARCH_MAX = 200
_REGISTRY = {}


@dataclass(frozen=True)
class Column:
    """A list column: `cell` names the macro in _macros/cells.html that renders it."""

    key: str
    label: Any
    cell: str = "text"
    sort: Any = None  # the SQL expression to sort by; None means not sortable
    nullable: bool = False  # sort values may be NULL (NULLs sort as the smallest value)
    # Non-NULL expressions that order rows of equal sort values before the row id does, e.g. the org's
    # id after its name: rows then come in the order of an index walk of the joined table, not sorted.
    then: tuple = ()
    width: int = 160
    numeric: bool = False
    link: tuple | None = None  # (endpoint, argument name): the cell links to the row's page by its id
    panel: str | None = None  # id of an element the link's page opens in (htmx), rather than navigating
    # In a list that offers a choice of columns (ListSpec.choosable):
    optional: bool = False  # hidden until the user chooses it
    required: bool = False  # always shown (it opens the row), so not offered in the choice
    select: tuple = ()  # labelled SQL expressions the cell reads; () means the query's column named `key`
    labels: Any = None  # {stored value: label}: the cell and the export show the label

    def export(self, values):
        """This column's value for a CSV export of a row (`values` is the row's mapping)."""
        if self.labels is not None:
            return str(self.labels.get(values[self.key], values[self.key] or ""))
        return EXPORTERS.get(self.cell, _raw)(values, self.key)


@dataclass(frozen=True)
class ListSpec:
    """What a section declares about one of its lists."""

    key: str
    endpoint: str
    columns: list
    # query(actor, params) -> Select with an "id" column and one column per cell, already scoped
    query: Callable
    default_sort: str
    default_dir: str = "asc"
    filters: tuple = ()  # names of extra request args the query understands
    export_name: str | None = None  # file name stem of the CSV export; None: no export
    page_context: Callable | None = None  # page_context(actor) -> extra template values (filter choices)
    choosable: bool = False  # each user chooses which columns they see (and the CSV export holds)

    def __post_init__(self):
        _REGISTRY[self.key] = self

    @property
    def sortable(self):
        return {c.key: c for c in self.columns if c.sort is not None}

    @property
    def column_keys(self):
        return {c.key for c in self.columns}

    @property
    def default_columns(self):
        return [c for c in self.columns if not c.optional or not self.choosable]

    def visible_columns(self, chosen):
        """The columns shown, in the list's order: the `chosen` keys (plus the required ones), or the
        defaults when nothing (or nothing this list still has) was chosen."""
        if not self.choosable or not chosen:
            return self.default_columns
        shown = [c for c in self.columns if c.key in chosen or c.required]
        return shown if any(c.key in chosen for c in shown) else self.default_columns


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


@dataclass(frozen=True)
class ListParams:
    """Sort, direction, search and filters of one list request, as found in its URL."""

    sort: str
    dir: str
    q: str = ""
    filters: dict = field(default_factory=dict)

    def without(self, name):
        """The same parameters less one filter (one that the domain refused)."""
        return ListParams(self.sort, self.dir, self.q, {k: v for k, v in self.filters.items() if k != name})

    def args(self, **overrides):
        """Query-string arguments for a URL of this list (defaults left out to keep URLs short)."""
        values = {"sort": self.sort, "dir": self.dir, "q": self.q or None, **self.filters}
        values.update(overrides)
        return {k: v for k, v in values.items() if v not in (None, "")}


def params_from_request(spec, args=None):
    """ListParams from the query string; unknown sorts fall back to the default."""
    args = request.args if args is None else args
    sort = args.get("sort", spec.default_sort)
    if sort not in spec.sortable:
        sort = spec.default_sort
    direction = args.get("dir", spec.default_dir)
    if direction not in ("asc", "desc"):
        direction = spec.default_dir
    q = " ".join(args.get("q", "").split())[:SEARCH_MAX]
    filters = {name: args.get(name, "")[:SEARCH_MAX] for name in spec.filters if args.get(name)}
    return ListParams(sort=sort, dir=direction, q=q, filters=filters)


# -- cursors ---------------------------------------------------------------------------------------

def _serializer(spec):
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"list-cursor:{spec.key}")


def _encode_value(value):
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, (list, tuple)):
        return [_encode_value(item) for item in value]
    return value


def _decode_value(value):
    if isinstance(value, dict):
        return datetime.fromisoformat(value["dt"])
    if isinstance(value, list):
        return [_decode_value(item) for item in value]
    return value


def encode_cursor(spec, params, phase, value, last_id):
    """A signed, opaque cursor carrying the list's parameters and the last row's sort key."""
    return _serializer(spec).dumps({
        "s": params.sort, "d": params.dir, "q": params.q, "f": params.filters,
        "p": phase, "v": _encode_value(value), "i": last_id,
    })


def decode_cursor(spec, token):
    """(ListParams, phase, value, id) from a cursor; a tampered or foreign cursor is a 400."""
    try:
        data = _serializer(spec).loads(token)
        params = ListParams(sort=data["s"], dir=data["d"], q=data["q"], filters=dict(data["f"]))
        if params.sort not in spec.sortable or params.dir not in ("asc", "desc"):
            raise ValueError(params.sort)
        if data["p"] not in ("value", "null") or not isinstance(data["i"], int):
            raise ValueError(data["p"])
        then = spec.sortable[params.sort].then
        if then and not (isinstance(data["v"], list) and len(data["v"]) == 1 + len(then)):
            raise ValueError(data["v"])  # e.g. a cursor from before the column had `then`
        return params, data["p"], _decode_value(data["v"]), data["i"]
    except (BadSignature, KeyError, TypeError, ValueError):
        abort(400, description=_("The list cursor is not valid. Reload the list."))


# -- pages -----------------------------------------------------------------------------------------

@dataclass
class Page:
    rows: list
    next_cursor: str | None


def _phases(column, descending):
    # NULLs count as the smallest value: first when ascending, last when descending. Each phase
    # is its own index-friendly query, since row-value comparisons never match NULL.
    if not column.nullable:
        return ["value"]
    return ["value", "null"] if descending else ["null", "value"]


def only_columns(spec, query, columns):
    """The list's query narrowed to the row id and what `columns` show: hidden columns are never read."""
    if not spec.choosable:
        return query
    selected = query.selected_columns
    wanted = {"id": selected.id}
    for column in columns:
        for expr in column.select or (selected[column.key],):
            wanted.setdefault(expr.key, expr)
    # Keep the FROM list of the full query, so that narrowing never changes which rows match.
    return query.with_only_columns(*wanted.values(), maintain_column_froms=True)


def fetch_page(spec, actor, params, after=None, limit=None, columns=None):
    """One keyset page of rows: `after` is (phase, value, id) of the last row already shown (value is
    [sort value, *then values] for a column with `then`); with `columns`, only what they show is read."""
    limit = limit or current_app.config["LIST_PAGE_SIZE"]
    column = spec.sortable[params.sort]
    descending = params.dir == "desc"
    base = spec.query(actor, params)
    if columns is not None:
        base = only_columns(spec, base, columns)
    id_col = base.selected_columns.id
    sort_expr, then = column.sort, list(column.then)
    phases = _phases(column, descending)
    start = phases.index(after[0]) if after else 0
    found = []
    for n, phase in enumerate(phases[start:]):
        stmt = base.add_columns(sort_expr.label("_sort"), *(e.label(f"_then{k}") for k, e in enumerate(then)))
        resume = after is not None and n == 0
        last = (after[1] if then else [after[1]]) if resume else None
        if phase == "value":
            if column.nullable:
                stmt = stmt.where(sort_expr.is_not(None))
            order = [sort_expr, *then, id_col]
            if resume:
                key, bound = tuple_(*order), tuple_(*last, after[2])
                stmt = stmt.where(key < bound if descending else key > bound)
        else:
            stmt = stmt.where(sort_expr.is_(None))
            order = [*then, id_col]
            if resume:
                key, bound = tuple_(*order), tuple_(*last[1:], after[2])
                stmt = stmt.where(key < bound if descending else key > bound)
        order = [o.desc() for o in order] if descending else order
        rows = db.session.execute(stmt.order_by(*order).limit(limit + 1 - len(found))).all()
        found.extend((phase, row) for row in rows)
        if len(found) > limit:
            break
    more = len(found) > limit
    found = found[:limit]
    cursor = None
    if more:
        phase, last = found[-1]
        value = [last._sort, *(getattr(last, f"_then{k}") for k in range(len(then)))] if then else last._sort
        cursor = encode_cursor(spec, params, phase, value, last.id)
    return Page(rows=[row for _, row in found], next_cursor=cursor)


def bounded_count(spec, actor, params):
    """(count, exact): the number of rows up to LIST_COUNT_BOUND, and whether it is exact."""
    bound = properties.value("lists.count_bound")
    query = spec.query(actor, params)
    inner = query.with_only_columns(query.selected_columns.id).limit(bound + 1).subquery()
    n = db.session.scalar(select(func.count()).select_from(inner))
    return (bound, False) if n > bound else (n, True)
