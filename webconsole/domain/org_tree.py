"""The org tree as people read it: each org under its parent, siblings in the locale's order of names.

One function gives every org picker its orgs (`org_tree`), the others give the Organizations page its
rows: the top orgs in reach, the children of one org a page at a time (loaded when it is expanded, so
a tree of 20 000 orgs is never read whole), and the orgs a search matches with their ancestors.
"""
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from webconsole.domain import orgs
from webconsole.domain.collation import name_key
from webconsole.domain.scope import restrict, scope_for
from webconsole.extensions import db
from webconsole.models import Device, Org, User
from webconsole.store.id_lists import id_table

SEARCH_MATCHES_MAX = 200  # orgs a search shows (with their ancestors); the lazy count tells the rest
_Child = aliased(Org, name="child_org")
_DEPTH = func.length(Org.path) - func.length(func.replace(Org.path, "/", ""))


@dataclass(frozen=True)
class OrgChoice:
    """An org of a picker: its id, its name, and how many of its ancestors the picker shows above it."""

    id: int
    name: str
    depth: int


def in_tree_order(rows, key=None, descending=False):
    """`rows` (each with .id, .parent_id) with every row after its parent and its parent's earlier
    children's subtrees, siblings ordered by `key(row)` (then id); a row whose parent is not among them
    is a top one. Returns [(row, depth)]."""
    if key is None:
        by_name = name_key()
        key = lambda row: by_name(row.name)  # noqa: E731
    present = {row.id for row in rows}
    children = {}
    for row in rows:
        children.setdefault(row.parent_id if row.parent_id in present else None, []).append(row)
    for siblings in children.values():
        siblings.sort(key=lambda row: row.id, reverse=descending)
        siblings.sort(key=key, reverse=descending)  # stable: equal keys keep the id order
    ordered, stack = [], [(row, 0) for row in reversed(children.get(None, []))]
    while stack:  # depth first without recursion: a tree may be deeper than Python's recursion limit
        row, depth = stack.pop()
        ordered.append((row, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(row.id, [])))
    return ordered


def org_tree(actor, permission, *, active_only=False, outside=None, limit=None, include=None):
    """The orgs `actor` reaches with `permission` as OrgChoices in tree order, for every org picker:
    only active ones with `active_only`, none in the subtree of `outside` (an org being moved). With
    `limit`, at most that many, the shallowest first (their subtrees cover the most), plus `include`
    (the id in use) when `actor` reaches it, so that a fleet of 20 000 orgs does not put 20 000
    options in every list's toolbar."""
    stmt = restrict(select(Org.id, Org.parent_id, Org.name), scope_for(actor, permission), org_column=Org.id)
    if active_only:
        stmt = stmt.where(Org.status == "active")
    if outside is not None:
        stmt = stmt.where(~Org.path.startswith(outside.path, autoescape=True))
    rows = db.session.execute(stmt.order_by(_DEPTH, Org.id).limit(limit) if limit else stmt).all()
    if limit is not None and include is not None and len(rows) == limit and all(r.id != include for r in rows):
        rows += db.session.execute(stmt.where(Org.id == include)).all()
    return [OrgChoice(row.id, row.name, depth) for row, depth in in_tree_order(rows)]


# -- the Organizations page ----------------------------------------------------------------------------

# Siblings can be ordered by these (the Organizations list's sorts, but its parent's name, the same
# for every sibling); names and references in the locale's collation.
SORTS = ("name", "ext_ref", "status", "user_count", "device_count", "created_at")
_COUNTS = {"user_count": User.org_id, "device_count": Device.org_id}


def _rows(ids):
    """The page's columns of these orgs, with whether each has children, by id."""
    has_children = exists(select(_Child.id).where(_Child.parent_id == Org.id)).label("has_children")
    stmt = (select(Org.id, Org.parent_id, Org.uid, Org.name, Org.ext_ref, Org.status, Org.created_at,
                   Org.registration_key, Org.path, orgs.user_count, orgs.device_count, has_children)
            .where(Org.id.in_(id_table(ids))))  # one bound value, however many ids
    return {row.id: row for row in db.session.execute(stmt)}


def _sort_key(sort, values=None):
    """The key ordering rows by `sort` (counts looked up in `values`); names break ties."""
    by_name = name_key()
    if sort in ("name", "ext_ref"):
        return lambda row: (by_name(getattr(row, sort)), by_name(row.name))
    if sort in _COUNTS:
        return lambda row: (values.get(row.id, 0), by_name(row.name))
    return lambda row: (getattr(row, sort), by_name(row.name))


def top_orgs(actor):
    """The orgs at the top of `actor`'s reach (the root, or an Org Admin's own org), as page rows."""
    scope = scope_for(actor, "orgs.view")
    if scope.kind == "all":
        ids = db.session.scalars(select(Org.id).where(Org.parent_id.is_(None))).all()
    elif scope.kind == "subtree":
        ids = db.session.scalars(select(Org.id).where(Org.path == scope.org_path)).all()
    else:
        ids = []
    found = _rows(ids)
    return [row for row, _depth in in_tree_order(list(found.values()))]


def child_page(actor, parent_id, sort, descending=False, after=None, limit=50):
    """(rows, last id) of one page of the children of an org `actor` may view, ordered by `sort`, after
    the child `after` (the last of the page before); the last id is None on the last page."""
    parent = orgs.get_org(actor, parent_id)
    columns = [Org.id, Org.name, Org.ext_ref, Org.status, Org.created_at]
    siblings = db.session.execute(select(*columns).where(Org.parent_id == parent.id)).all()
    counts = {}
    if sort in _COUNTS:
        owner = _COUNTS[sort]
        counts = dict(db.session.execute(select(owner, func.count()).where(
            owner.in_(select(Org.id).where(Org.parent_id == parent.id))).group_by(owner)).all())
    siblings.sort(key=lambda row: row.id, reverse=descending)
    siblings.sort(key=_sort_key(sort, counts), reverse=descending)
    ids = [row.id for row in siblings]
    # The page after a child no longer there (moved or renamed away) starts at the top again: rows
    # are sorted here, not by a keyset query, since SQL cannot sort by the locale's collation.
    start = ids.index(after) + 1 if after in ids else 0
    page = ids[start:start + limit]
    found = _rows(page)
    rows = [found[i] for i in page if i in found]
    return rows, (page[-1] if start + limit < len(ids) and page else None)


def matching_tree(actor, params):
    """([(row, depth, matched)], more): the orgs the search and filters of `params` match (at most
    SEARCH_MATCHES_MAX, `more` when there are others) with their ancestors in reach, in tree order."""
    # The first matches along the path index: whole subtrees from the top down, read without sorting
    # every match (a status filter matches all 20 000 orgs of a big fleet).
    matches = orgs.org_list(actor, params).with_only_columns(Org.id, Org.path).order_by(Org.path)
    matched = db.session.execute(matches.limit(SEARCH_MATCHES_MAX + 1)).all()
    more = len(matched) > SEARCH_MATCHES_MAX
    matched = matched[:SEARCH_MATCHES_MAX]
    wanted = {int(i) for row in matched for i in row.path.strip("/").split("/")}
    reachable = restrict(select(Org.id).where(Org.id.in_(id_table(wanted))), scope_for(actor, "orgs.view"),
                         org_column=Org.id)
    found = _rows(db.session.scalars(reachable).all())
    hits = {row.id for row in matched}
    sort = params.sort if params.sort in SORTS else "name"
    counts = {}
    if sort in _COUNTS:
        counts = {row.id: getattr(row, sort) for row in found.values()}
    ordered = in_tree_order(list(found.values()), _sort_key(sort, counts), params.dir == "desc")
    return [(row, depth, row.id in hits) for row, depth in ordered], more
