"""Organizations: the tree of orgs in reach, its children loaded as a node is expanded, and the list's
count, export and widths (the flat listing, shared with the console command line and the API)."""
from dataclasses import dataclass
from functools import cached_property

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from webconsole.blueprints.orgs import bp
from webconsole.domain import org_tree
from webconsole.domain.listings import Page, catalog
from webconsole.domain.orgs import get_org
from webconsole.domain.preferences import list_preferences
from webconsole.domain.scope import permissions_of
from webconsole.web.cells import cells_renderer
from webconsole.web.htmx import is_partial
from webconsole.web.list_views import ListView, register_list_routes
from webconsole.web.lists import Column, ListSpec, params_from_request
from webconsole.web.permissions import require

ORG_LIST = ListSpec(
    listing=catalog.ORGS,
    endpoint="orgs.index",
    export_name="organizations",
    columns=[
        Column("name", _l("Name"), width=280, link=("orgs.detail", "org_id")),
        Column("parent_name", _l("Parent organization"), width=200),
        Column("ext_ref", _l("External reference"), width=160),
        Column("status", _l("Status"), cell="status", width=120),
        Column("user_count", _l("Users"), cell="number", numeric=True, width=100),
        Column("device_count", _l("Devices"), cell="number", numeric=True, width=100),
        Column("registration_key", _l("Registration key"), cell="code", width=190),
        Column("created_at", _l("Created"), cell="datetime", width=170),
    ],
)
# The tree shows each org under its parent: the parent's name column would repeat what it shows.
TREE_LEFT_OUT = ("parent_name",)


@dataclass
class Node:
    """A row of the tree: the org's columns, its depth, whether its children are shown below it, and
    whether a search matched it (else it is shown as the ancestor of an org that matched)."""

    row: object
    depth: int
    expanded: bool = False
    matched: bool = True
    is_more = False

    @property
    def indent(self):
        return min(self.depth, 6)  # the deepest indent the style sheet draws


@dataclass
class More:
    """Where the next page of an org's children is asked for, when the row before it is revealed:
    `path`, the org's, so that collapsing the org takes this away with its children."""

    url: str
    path: str
    is_more = True


@dataclass
class TreeView(ListView):
    """The list's view (headings, toolbar, count, export) with tree rows in place of keyset pages."""

    nodes: list = None  # Nodes, and after an expanded org's first children, More when it has others
    more_matches: bool = False  # a search matched more orgs than it shows
    matches_max = org_tree.SEARCH_MATCHES_MAX

    @cached_property
    def _cells(self):
        return cells_renderer(self.columns[1:])

    def rendered_cells(self, row):
        """The row's cells but its name (which the tree draws with its disclosure button)."""
        return Markup(self._cells(row._mapping))  # every value escaped by its cell function

    def children_url(self, node, after=None):
        """The URL of the children of `node`'s org (after the child `after`), in this view's order."""
        return url_for("orgs.children", org_id=node.row.id, depth=node.depth, after=after, sort=self.sort,
                       dir=self.params.dir)

    def children(self, node, after=None):
        """Nodes of a page of `node`'s children (after the child `after`), then a More if there are others."""
        rows, last = org_tree.child_page(current_user, node.row.id, self.sort, self.params.dir == "desc",
                                         after=after)
        found = [Node(row, node.depth + 1) for row in rows]
        return found + ([More(self.children_url(node, after=last), node.row.path)] if last is not None else [])

    @property
    def sort(self):
        return self.params.sort if self.params.sort in org_tree.SORTS else "name"


def _view():
    errors = {}
    params = params_from_request(ORG_LIST, errors=errors)
    widths, chosen = list_preferences(current_user.id, ORG_LIST.key)
    columns = [c for c in ORG_LIST.visible_columns(chosen, permissions_of(current_user))
               if c.key not in TREE_LEFT_OUT]
    return TreeView(spec=ORG_LIST, params=params, page=Page([], None), widths=widths, columns=columns,
                    errors=errors, rows_endpoint="orgs.rows", count_endpoint="orgs.count")


def tree():
    """The org tree: the top orgs in reach with their children, or the orgs a search or filter matches
    with their ancestors; just the table when htmx sorts or searches."""
    view = _view()
    if view.params.q or view.params.filters:
        found, view.more_matches = org_tree.matching_tree(current_user, view.params)
        shown_under = {row.parent_id for row, _depth, _hit in found}
        view.nodes = [Node(row, depth, row.id in shown_under, hit) for row, depth, hit in found]
    else:
        view.nodes = []
        for top in org_tree.top_orgs(current_user):
            node = Node(top, 0, expanded=top.has_children)
            view.nodes += [node, *(view.children(node) if top.has_children else ())]
    template = "_partials/list_table.html" if is_partial() else "orgs/index.html"
    return render_template(template, view=view, rows_template="orgs/_tree_rows.html")


@bp.get("/<int:org_id>/children")
@require("orgs.view")
def children(org_id):
    """One page of an org's children, as rows to put under it (its disclosure button asks for them)."""
    view = _view()
    parent = get_org(current_user, org_id)
    # The depth drawn is the page's own (a search shows an org deeper than its depth in the tree).
    depth = min(max(request.args.get("depth", 0, type=int), 0), 64)
    view.nodes = view.children(Node(parent, depth), after=request.args.get("after", type=int))
    view.first = False  # no "Nothing matches" under an org whose children went meanwhile
    return render_template("orgs/_tree_rows.html", view=view)


register_list_routes(bp, ORG_LIST, "orgs.view", "orgs/index.html", page=tree)
