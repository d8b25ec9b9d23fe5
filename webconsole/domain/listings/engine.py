"""The listing engine: a listing's parameters, its keyset pages, its bounded count and a walk of every page.

Nothing here reads a request or the signed-in user: the actor, the parameters and the page size
come from the door, so the browser, the exports, the console command line and an API page the
same way through the same rules.
"""
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, tuple_

from webconsole.domain import properties
from webconsole.domain.errors import ValidationError
from webconsole.extensions import db

SEARCH_MAX = 200
DIRECTIONS = ("asc", "desc")
PHASES = ("value", "null")
_REGISTRY = {}


@dataclass(frozen=True)
class Sort:
    """A whitelisted order: an SQL expression, optionally NULL (NULLs sort as the smallest value), then
    `then` expressions that order equal values before the row id does (never NULL): e.g. the org's id
    after its name, so rows come in the order of an index walk of the joined table, not sorted."""

    expr: Any
    nullable: bool = False
    then: tuple = ()


@dataclass(frozen=True)
class ListParams:
    """What one request of a listing asks for: sort, direction, search and filters (typed values)."""

    sort: str
    dir: str
    q: str = ""
    filters: dict = field(default_factory=dict)

    def without(self, name):
        """The same parameters less one filter (one that the query refused)."""
        return ListParams(self.sort, self.dir, self.q, {k: v for k, v in self.filters.items() if k != name})


@dataclass(frozen=True)
class PageKey:
    """Where a page ended: the phase ("value", or "null" for the rows whose sort value is NULL), the last
    row's sort values (its sort expression's, then its `then` ones) and its id. A door carries it in a
    cursor of its own making and hands it back as `after`."""

    phase: str
    values: tuple
    id: int


@dataclass
class Page:
    rows: list
    next: PageKey | None  # where the next page starts; None on the last page


def _phases(sort, descending):
    # NULLs count as the smallest value: first when ascending, last when descending. Each phase
    # is its own index-friendly query, since row-value comparisons never match NULL.
    if not sort.nullable:
        return ["value"]
    return ["value", "null"] if descending else ["null", "value"]


def _where_first(stmt, condition):
    """`stmt` with `condition` as the first term of its WHERE clause.

    A page's keyset bound goes before the listing's own filters: of two bounds on the sort index's
    column on the same side (the Audit Log's "To" day and a descending page's bound), SQLite seeks the
    index by the first written and filters by the other, so written after the filter every page read the
    index from the filter's bound down to its own (at 600 000 rows, 30 ms instead of 0.05 ms for a deep
    page; tests/domain/test_listings.py counts the steps). SQLAlchemy only appends WHERE terms, so the
    new one is moved to the front of the copy `where` made.
    """
    stmt = stmt.where(condition)
    *rest, last = stmt._where_criteria
    stmt._where_criteria = (last, *rest)
    return stmt


def clean_search(q, name="q"):
    """The search text with its spaces tidied and cut to SEARCH_MAX; control characters are refused."""
    q = " ".join((q or "").split())[:SEARCH_MAX]
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in q):
        raise ValidationError(_l("Remove the control characters from this value."), field=name)
    return q


@dataclass(frozen=True)
class Listing:
    """A list of the console: the scoped query for an actor, its typed filters, its sorts, its pages."""

    key: str
    # query(actor, params) -> Select with an "id" column, already restricted to what `actor` may see
    query: Callable
    sorts: dict  # {key: Sort}, the only orders a door may ask for
    default_sort: str
    default_dir: str = "asc"
    filters: tuple = ()  # Filter objects (listings.filters)

    def __post_init__(self):
        if self.default_sort not in self.sorts:
            raise ValueError(f"{self.key}: the default sort {self.default_sort} is not one of its sorts")
        _REGISTRY[self.key] = self

    def filter(self, name):
        """The filter with this name, or None."""
        return next((f for f in self.filters if f.name == name), None)

    # -- parameters ---------------------------------------------------------------------------------

    def params(self, sort=None, dir=None, q="", filters=None, errors=None):
        """ListParams from plain strings (a URL's, a command line's). An unknown sort or direction falls
        back to the default, an empty filter is left out; a refused search or filter raises its
        ValidationError, or, given an `errors` dict, is left out with its message kept there by name."""
        sort = sort if sort in self.sorts else self.default_sort
        direction = dir if dir in DIRECTIONS else self.default_dir
        try:
            q = clean_search(q)
        except ValidationError as error:
            if errors is None:
                raise
            errors["q"], q = str(error), ""
        typed = {}
        for name, raw in (filters or {}).items():
            found = self.filter(name)
            if found is None or raw in (None, ""):
                continue
            try:
                if not isinstance(raw, str):
                    raise found.refuse(_l("Enter a value as text."))
                typed[name] = found.parse(raw)
            except ValidationError as error:
                if errors is None:
                    raise
                errors[name] = str(error)
        return ListParams(sort=sort, dir=direction, q=q, filters=typed)

    def raw(self, params):
        """The filters of `params` as the strings `params()` reads back (for URLs and cursors)."""
        return {name: self.filter(name).format(value) for name, value in params.filters.items()
                if self.filter(name) is not None}

    def valid_key(self, params, key):
        """Could `key` have ended a page of `params`? (A door checks the key its cursor carried.)"""
        sort = self.sorts.get(params.sort)
        return (sort is not None and isinstance(key, PageKey) and key.phase in _phases(sort, params.dir == "desc")
                and isinstance(key.id, int) and not isinstance(key.id, bool)
                and isinstance(key.values, tuple) and len(key.values) == 1 + len(sort.then)
                and (key.phase == "value" or key.values[0] is None))

    # -- queries ------------------------------------------------------------------------------------

    def statement(self, actor, params, only=None):
        """The listing's query for `actor`; with `only` (names of its columns, or labelled expressions),
        narrowed to the row id and those, so what a door does not show is never read."""
        query = self.query(actor, params)
        if only is None:
            return query
        selected = query.selected_columns
        wanted = {"id": selected.id}
        for item in only:
            expr = selected[item] if isinstance(item, str) else item
            wanted.setdefault(expr.key, expr)
        # Keep the FROM list of the full query, so that narrowing never changes which rows match.
        return query.with_only_columns(*wanted.values(), maintain_column_froms=True)

    def page(self, actor, params, *, limit, after=None, only=None):
        """One keyset page of at most `limit` rows, after the PageKey `after` (None: the first page)."""
        if after is not None and not self.valid_key(params, after):
            raise ValidationError(_l("The list cursor is not valid. Reload the list."), field="cursor")
        sort = self.sorts[params.sort]
        descending = params.dir == "desc"
        base = self.statement(actor, params, only)
        id_col = base.selected_columns.id
        sort_expr, then = sort.expr, list(sort.then)
        phases = _phases(sort, descending)
        start = phases.index(after.phase) if after else 0
        found = []
        for n, phase in enumerate(phases[start:]):
            stmt = base.add_columns(sort_expr.label("_sort"), *(e.label(f"_then{k}") for k, e in enumerate(then)))
            resume = after is not None and n == 0
            if phase == "value":
                if sort.nullable:
                    stmt = stmt.where(sort_expr.is_not(None))
                order = [sort_expr, *then, id_col]
                if resume:
                    key, bound = tuple_(*order), tuple_(*after.values, after.id)
                    stmt = _where_first(stmt, key < bound if descending else key > bound)
            else:
                stmt = stmt.where(sort_expr.is_(None))
                order = [*then, id_col]
                if resume:
                    key, bound = tuple_(*order), tuple_(*after.values[1:], after.id)
                    stmt = _where_first(stmt, key < bound if descending else key > bound)
            order = [o.desc() for o in order] if descending else order
            rows = db.session.execute(stmt.order_by(*order).limit(limit + 1 - len(found))).all()
            found.extend((phase, row) for row in rows)
            if len(found) > limit:
                break
        more = len(found) > limit
        found = found[:limit]
        key = None
        if more:
            phase, last = found[-1]
            key = PageKey(phase, (last._sort, *(getattr(last, f"_then{k}") for k in range(len(then)))), last.id)
        return Page(rows=[row for _, row in found], next=key)

    def pages(self, actor, params, *, batch, only=None):
        """Every row as filtered and sorted, a page of `batch` rows at a time (exports, the command line),
        each read in a short transaction of its own.

        The transaction ends before a page is handed on, so however long the caller takes over the
        rows (a slow download), none stays open: a long one stops SQLite's WAL checkpoints and
        PostgreSQL's vacuum. Keyset pages need no snapshot: a row added or removed between two pages
        is read once or not at all, never twice, and no other row is lost.
        """
        after = None
        while True:
            page = self.page(actor, params, limit=batch, after=after, only=only)
            end_read()
            yield page.rows
            if page.next is None:
                return
            after = page.next

    def count(self, actor, params, bound=None):
        """(count, exact): the number of rows up to `bound` (the lists.count_bound property), and whether
        it is exact; never a COUNT(*) over a whole big table."""
        bound = bound or properties.value("lists.count_bound")
        query = self.query(actor, params)
        inner = query.with_only_columns(query.selected_columns.id).limit(bound + 1).subquery()
        n = db.session.scalar(select(func.count()).select_from(inner))
        return (bound, False) if n > bound else (n, True)


def end_read():
    """End the session's transaction after a read: committed, not rolled back, so that nothing the
    caller changed before is lost. The actor's loaded state expires with it and is read again (by
    primary key) on its next use, so a long export also sees a change to the actor's rights."""
    db.session.commit()


def listing(key):
    """The listing with this key, or None."""
    return _REGISTRY.get(key)
