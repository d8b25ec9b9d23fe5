"""The list pattern: whitelisted sorts, keyset pages with signed cursors, lazy bounded counts.

A section declares a ListSpec (columns and a query from the domain); this module does the rest,
so every list sorts, scrolls, counts and remembers widths the same way.
"""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, tuple_

from webconsole.domain.preferences import column_widths
from webconsole.extensions import db
from webconsole.web.htmx import is_partial, render_page_or_fragment
from webconsole.web.permissions import require

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
    width: int = 160
    numeric: bool = False


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

    def __post_init__(self):
        _REGISTRY[self.key] = self

    @property
    def sortable(self):
        return {c.key: c for c in self.columns if c.sort is not None}

    @property
    def column_keys(self):
        return {c.key for c in self.columns}


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
    return value


def _decode_value(value):
    if isinstance(value, dict):
        return datetime.fromisoformat(value["dt"])
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


def fetch_page(spec, actor, params, after=None, limit=None):
    """One keyset page of rows: `after` is (phase, value, id) of the last row already shown."""
    limit = limit or current_app.config["LIST_PAGE_SIZE"]
    column = spec.sortable[params.sort]
    descending = params.dir == "desc"
    base = spec.query(actor, params)
    id_col = base.selected_columns.id
    sort_expr = column.sort
    phases = _phases(column, descending)
    start = phases.index(after[0]) if after else 0
    found = []
    for n, phase in enumerate(phases[start:]):
        stmt = base.add_columns(sort_expr.label("_sort"))
        resume = after is not None and n == 0
        if phase == "value":
            if column.nullable:
                stmt = stmt.where(sort_expr.is_not(None))
            if resume:
                key, bound = tuple_(sort_expr, id_col), tuple_(after[1], after[2])
                stmt = stmt.where(key < bound if descending else key > bound)
            order = [sort_expr, id_col]
        else:
            stmt = stmt.where(sort_expr.is_(None))
            if resume:
                stmt = stmt.where(id_col < after[2] if descending else id_col > after[2])
            order = [id_col]
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
        cursor = encode_cursor(spec, params, phase, last._sort, last.id)
    return Page(rows=[row for _, row in found], next_cursor=cursor)


def bounded_count(spec, actor, params):
    """(count, exact): the number of rows up to LIST_COUNT_BOUND, and whether it is exact."""
    bound = current_app.config["LIST_COUNT_BOUND"]
    query = spec.query(actor, params)
    inner = query.with_only_columns(query.selected_columns.id).limit(bound + 1).subquery()
    n = db.session.scalar(select(func.count()).select_from(inner))
    return (bound, False) if n > bound else (n, True)


@dataclass
class ListView:
    """Everything the list templates need to render headings, rows and the sentinel."""

    spec: ListSpec
    params: ListParams
    page: Page
    widths: dict
    rows_endpoint: str
    count_endpoint: str
    first: bool = True

    def sort_url(self, column):
        """URL that sorts by `column`: ascending first, then toggling."""
        direction = "asc"
        if column.key == self.params.sort and self.params.dir == "asc":
            direction = "desc"
        return url_for(self.spec.endpoint, **self.params.args(sort=column.key, dir=direction))

    def aria_sort(self, column):
        if column.key != self.params.sort:
            return "none"
        return "ascending" if self.params.dir == "asc" else "descending"

    def width(self, column):
        return self.widths.get(column.key, column.width)

    @property
    def next_url(self):
        if not self.page.next_cursor:
            return None
        return url_for(self.rows_endpoint, cursor=self.page.next_cursor)

    @property
    def count_url(self):
        return url_for(self.count_endpoint, **self.params.args())

    @property
    def index_url(self):
        return url_for(self.spec.endpoint)

    @property
    def widths_url(self):
        return url_for("preferences.save_widths", list_key=self.spec.key)

    @property
    def reset_url(self):
        return url_for("preferences.reset_widths", list_key=self.spec.key)


def _endpoint(spec, name):
    return spec.endpoint.rsplit(".", 1)[0] + "." + name


def first_page(spec):
    """The ListView for a list page (first rows), from the request's query string."""
    params = params_from_request(spec)
    return ListView(
        spec=spec, params=params, page=fetch_page(spec, current_user, params),
        widths=column_widths(current_user.id, spec.key),
        rows_endpoint=_endpoint(spec, "rows"), count_endpoint=_endpoint(spec, "count"),
    )


def next_page(spec):
    """The ListView for the rows after the request's cursor."""
    token = request.args.get("cursor", "")
    params, phase, value, last_id = decode_cursor(spec, token)
    return ListView(
        spec=spec, params=params, page=fetch_page(spec, current_user, params, (phase, value, last_id)),
        widths={}, rows_endpoint=_endpoint(spec, "rows"), count_endpoint=_endpoint(spec, "count"),
        first=False,
    )


def register_list_routes(bp, spec, permission, page_template):
    """Add the list's three routes to a blueprint: the page, its next rows, and its lazy count."""
    @require(permission)
    def index():
        """The list page, or just its table when htmx sorts or searches."""
        return render_page_or_fragment(page_template, "_partials/list_table.html", view=first_page(spec))

    @require(permission)
    def rows():
        """The rows after a cursor, with the next infinite-scroll sentinel."""
        view = next_page(spec)
        if not is_partial():
            return redirect(url_for(spec.endpoint, **view.params.args()))
        return render_template("_partials/list_rows.html", view=view)

    @require(permission)
    def count():
        """How many rows match, exactly up to a bound ("more than N" beyond it)."""
        params = params_from_request(spec)
        n, exact = bounded_count(spec, current_user, params)
        return render_template("_partials/list_count.html", n=n, exact=exact)

    bp.add_url_rule("/", "index", index)
    bp.add_url_rule("/rows", "rows", rows)
    bp.add_url_rule("/count", "count", count)
