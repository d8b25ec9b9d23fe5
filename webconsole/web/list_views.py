"""List doors: the page, its rows, its lazy count, its column choice and its CSV export, for any ListSpec.

Each pages through the spec's domain Listing as the signed-in user, with the configured page size.
"""
from contextlib import closing
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

from flask import abort, current_app, make_response, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from webconsole.domain import exports
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import ListParams, Page
from webconsole.domain.preferences import list_preferences, reset_chosen_columns, save_chosen_columns
from webconsole.domain.scope import permissions_of
from webconsole.web.cells import row_renderer
from webconsole.web.exports import csv_response
from webconsole.web.htmx import is_partial
from webconsole.web.lists import ListSpec, cursor_for, decode_cursor, params_from_request, url_args
from webconsole.web.permissions import require

EXPORT_BATCH = 1000
# {list key: the permission its pages ask}, for the lists with an export (exports as jobs check it too).
EXPORT_PERMISSIONS = {}


@dataclass(frozen=True)
class FilterControl:
    """One filter of the toolbar: a select when it has `options`, else an input of type `input`."""

    name: str
    label: object
    input: str
    options: list | None
    value: str  # as the user typed it (also when refused)
    error: str | None


@dataclass
class ListView:
    """Everything the list templates need to render headings, rows and the sentinel."""

    spec: ListSpec
    params: ListParams
    page: Page
    widths: dict
    rows_endpoint: str
    count_endpoint: str
    columns: list  # the columns shown, in order
    first: bool = True
    errors: dict = field(default_factory=dict)

    def args(self, **overrides):
        """Query-string arguments of this list as filtered and sorted, with `overrides`."""
        return url_args(self.spec, self.params, **overrides)

    def sort_url(self, column):
        """URL that sorts by `column`: ascending first, then toggling."""
        direction = "asc"
        if column.key == self.params.sort and self.params.dir == "asc":
            direction = "desc"
        return url_for(self.spec.endpoint, **self.args(sort=column.key, dir=direction))

    def rendered_rows(self):
        """The page's rows as table rows (every value escaped by its cell function)."""
        render = row_renderer(self.columns)
        return Markup("".join([render(row._mapping) for row in self.page.rows]))

    def aria_sort(self, column):
        if column.key != self.params.sort:
            return "none"
        return "ascending" if self.params.dir == "asc" else "descending"

    def width(self, column):
        return self.widths.get(column.key, column.width)

    @property
    def filters(self):
        """The listing's filters as toolbar controls, with their choices for the signed-in user."""
        chosen = self.params.filters
        return [FilterControl(f.name, f.label, f.input, self.spec.options(f, current_user, chosen.get(f.name)),
                              request.args.get(f.name, "") if f.name in self.errors
                              else f.display(chosen[f.name]) if f.name in chosen else "",
                              self.errors.get(f.name))
                for f in self.spec.listing.filters if not f.hidden]

    @property
    def canonical_url(self):
        """This list's URL with its dates as YYYY-MM-DD when the request carried one as the user typed it
        (31.12.2026), so the address kept in history means the same day in every language; else None."""
        if self.errors:
            return None  # the typed value stays in the address, so a reload shows it and its message
        raw = self.spec.listing.raw(self.params)
        typed = [f.name for f in self.spec.listing.filters
                 if f.input == "date" and request.args.get(f.name) and request.args[f.name] != raw.get(f.name)]
        return url_for(self.spec.endpoint, **self.args()) if typed else None

    @property
    def narrowed(self):
        """Has the user narrowed the list with the toolbar (a search or a filter)? Only then may an empty
        list suggest another search; a hidden filter (the device of a device's events) is the list itself."""
        return bool(self.params.q) or any(self.params.filters.get(f.name) not in (None, "")
                                          for f in self.spec.listing.filters if not f.hidden)

    @cached_property
    def next_cursor(self):
        return cursor_for(self.spec, self.params, self.page.next) if self.page.next else None

    @cached_property
    def next_url(self):
        """The rows URL after this page (signed once: the template asks twice)."""
        if not self.page.next:
            return None
        return url_for(self.rows_endpoint, cursor=self.next_cursor)

    @property
    def count_url(self):
        return url_for(self.count_endpoint, **self.args())

    @property
    def index_url(self):
        return url_for(self.spec.endpoint)

    @property
    def export_url(self):
        if not self.spec.export_name:
            return None
        return url_for(_endpoint(self.spec, "export"), **self.args())

    @property
    def export_progress_url(self):
        if not self.spec.export_name:
            return None
        return url_for(_endpoint(self.spec, "export_progress"))

    @property
    def column_choices(self):
        """[(column, shown)] of the columns a user may show or hide (required ones are always shown)."""
        shown = {c.key for c in self.columns}
        return [(c, c.key in shown) for c in self.spec.columns if not c.required and c.permission is None]

    @property
    def columns_url(self):
        return url_for(_endpoint(self.spec, "columns")) if self.spec.choosable else None

    @property
    def widths_url(self):
        return url_for("preferences.save_widths", list_key=self.spec.key)

    @property
    def reset_url(self):
        return url_for("preferences.reset_widths", list_key=self.spec.key)


def _endpoint(spec, part):
    """The endpoint of a list's `part` (rows, count, export): "devices.rows", or "reports.users_rows"."""
    base, _, name = spec.endpoint.rpartition(".")
    return f"{base}.{part}" if name == "index" else f"{base}.{name}_{part}"


def checked_page(spec, params, errors, after=None, limit=None, columns=None):
    """(params, page): one page as the signed-in user; a filter the query refuses is dropped, its message
    kept in `errors`, and the rest of the list still shows."""
    limit = limit or current_app.config["LIST_PAGE_SIZE"]
    while True:
        try:
            return params, spec.listing.page(current_user, params, limit=limit, after=after, only=spec.reads(columns))
        except ValidationError as error:
            if not error.field or error.field not in params.filters:
                raise
            errors[error.field] = str(error)
            params = params.without(error.field)


def shown_columns(spec):
    """The columns the signed-in user shows in this list: their choice, or the list's defaults."""
    return spec.visible_columns(list_preferences(current_user.id, spec.key)[1], permissions_of(current_user))


def export_columns(spec):
    """The columns a CSV export of this list holds for the signed-in user: those shown, or every one of a
    report's (ListSpec.export_all)."""
    if spec.export_all:
        return spec.visible_columns(spec.column_keys, permissions_of(current_user))
    return shown_columns(spec)


def first_page(spec):
    """The ListView for a list page (first rows), from the request's query string."""
    widths, chosen = list_preferences(current_user.id, spec.key)
    columns = spec.visible_columns(chosen, permissions_of(current_user))
    errors = {}
    params, page = checked_page(spec, params_from_request(spec, errors=errors), errors, columns=columns)
    return ListView(
        spec=spec, params=params, page=page, errors=errors, widths=widths, columns=columns,
        rows_endpoint=_endpoint(spec, "rows"), count_endpoint=_endpoint(spec, "count"),
    )


def next_page(spec):
    """The ListView for the rows after the request's cursor."""
    params, key = decode_cursor(spec, request.args.get("cursor", ""))
    columns = shown_columns(spec)
    params, page = checked_page(spec, params, {}, key, columns=columns)
    return ListView(
        spec=spec, params=params, page=page, columns=columns,
        widths={}, rows_endpoint=_endpoint(spec, "rows"), count_endpoint=_endpoint(spec, "count"),
        first=False,
    )


def _list_url(spec, target):
    """`target` when it is this list's own URL (where the column choice came from), else the list."""
    index = url_for(spec.endpoint)
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or parts.path != index:
        return index
    return index + ("?" + parts.query if parts.query else "")


def export_tracker(spec, params):
    """An ExportTracker when the request asks for progress (a `progress` token), else None."""
    token = request.args.get("progress")
    if token is None:
        return None
    if not exports.valid_token(token):
        abort(400, description=_("The export's progress token is not valid."))
    total, exact = spec.listing.count(current_user, params)
    return exports.start_export(token, current_user.id, total, exact)


def export_pages(spec, params, columns=None, tracker=None):
    """Every row of the list as filtered and sorted, a keyset page of EXPORT_BATCH rows at a time (with
    `columns`, only what they show is read), reporting to `tracker` (if any) after each batch, and
    whether the export completed."""
    complete = False
    try:
        for rows in spec.listing.pages(current_user, params, batch=EXPORT_BATCH, only=spec.reads(columns)):
            yield rows
            if tracker is not None:
                tracker.advance(len(rows))
        complete = True
    finally:
        # Also when the download is cancelled: closing the stream stops this generator.
        if tracker is not None:
            tracker.finish(failed=not complete)


def register_list_routes(bp, spec, permission, page_template, url="/", page=None):
    """Add a list's routes to a blueprint at `url`: the page (`page`, a view of its own, shows the rows
    otherwise, as the Organizations tree does), its next rows, its lazy count, its export (and its
    progress), and its choice of columns."""
    @require(permission)
    def index():
        """The list page, or just its table when htmx sorts or searches."""
        view = first_page(spec)
        if is_partial():
            response = make_response(render_template("_partials/list_table.html", view=view))
            if view.canonical_url:
                response.headers["HX-Push-Url"] = view.canonical_url
            return response
        extra = spec.page_context(current_user, view.params) if spec.page_context else {}
        return render_template(page_template, view=view, **extra)

    @require(permission)
    def rows():
        """The rows after a cursor, with the next infinite-scroll sentinel."""
        view = next_page(spec)
        if not is_partial():
            return redirect(url_for(spec.endpoint, **view.args()))
        return render_template("_partials/list_rows.html", view=view)

    @require(permission)
    def count():
        """How many rows match, exactly up to a bound ("more than N" beyond it)."""
        errors = {}
        params, _page = checked_page(spec, params_from_request(spec, errors=errors), errors, limit=1)
        n, exact = spec.listing.count(current_user, params)
        return render_template("_partials/list_count.html", n=n, exact=exact)

    @require(permission)
    def export():
        """Every row of the list as it is filtered and sorted, in the user's columns, as CSV streamed in
        keyset batches; with a `progress` token, how far it has got can be asked while it runs."""
        columns = [c for c in export_columns(spec) if c.exported]
        errors = {}
        params, _page = checked_page(spec, params_from_request(spec, errors=errors), errors, limit=1, columns=columns)
        rows = _export_rows(spec, params, columns, export_tracker(spec, params))
        return csv_response(spec.export_name, [c.label for c in columns], stream_with_context(rows))

    @require(permission)
    def export_progress():
        """How far the user's export with this token has got: a fragment asking again while it runs."""
        token = request.args.get("token", "")
        if not exports.valid_token(token):
            abort(400, description=_("The export's progress token is not valid."))
        tries = max(0, request.args.get("tries", 0, type=int))
        return render_template("_partials/list_export_progress.html", token=token, tries=tries,
                               progress=exports.export_progress(current_user.id, token),
                               url=url_for(_endpoint(spec, "export_progress")))

    @require(permission)
    def columns():
        """Keep the columns the user chose for this list (or its defaults again), then show the list."""
        if request.form.get("reset"):
            reset_chosen_columns(current_user.id, spec.key)
        else:
            save_chosen_columns(current_user.id, spec.key, request.form.getlist("column"), spec.column_keys,
                                [c.key for c in spec.columns if c.required])
        return redirect(_list_url(spec, request.form.get("next")), 303)

    if spec.export_name:
        EXPORT_PERMISSIONS[spec.key] = permission
    name = spec.endpoint.rpartition(".")[2]
    part = lambda p: _endpoint(spec, p).rpartition(".")[2]  # noqa: E731
    bp.add_url_rule(url, name, require(permission)(page) if page else index)
    bp.add_url_rule(url + "rows", part("rows"), rows)
    bp.add_url_rule(url + "count", part("count"), count)
    if spec.export_name:
        bp.add_url_rule(url + "export.csv", part("export"), export)
        bp.add_url_rule(url + "export/progress", part("export_progress"), export_progress)
    if spec.choosable:
        bp.add_url_rule(url + "columns", part("columns"), columns, methods=["POST"])


def _export_rows(spec, params, columns, tracker):
    with closing(export_pages(spec, params, columns, tracker)) as batches:
        for rows in batches:
            for row in rows:
                values = row._mapping
                yield [column.export(values) for column in columns]
