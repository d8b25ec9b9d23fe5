"""List doors: the page, its rows, its lazy count and its CSV export, for any ListSpec."""
from dataclasses import dataclass, field

from flask import redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user

from webconsole.domain.errors import ValidationError
from webconsole.domain.preferences import column_widths
from webconsole.web.exports import csv_response
from webconsole.web.htmx import is_partial
from webconsole.web.lists import (
    ListParams,
    ListSpec,
    Page,
    bounded_count,
    decode_cursor,
    fetch_page,
    params_from_request,
)
from webconsole.web.permissions import require

EXPORT_BATCH = 1000


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
    errors: dict = field(default_factory=dict)

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
    def export_url(self):
        if not self.spec.export_name:
            return None
        return url_for(_endpoint(self.spec, "export"), **self.params.args())

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


def _checked_page(spec, params, after=None, limit=None):
    """(params, page, errors): a filter the domain refuses is dropped and its message kept."""
    errors = {}
    while True:
        try:
            return params, fetch_page(spec, current_user, params, after, limit), errors
        except ValidationError as error:
            if not error.field or error.field not in params.filters:
                raise
            errors[error.field] = str(error)
            params = params.without(error.field)


def first_page(spec):
    """The ListView for a list page (first rows), from the request's query string."""
    params, page, errors = _checked_page(spec, params_from_request(spec))
    return ListView(
        spec=spec, params=params, page=page, errors=errors,
        widths=column_widths(current_user.id, spec.key),
        rows_endpoint=_endpoint(spec, "rows"), count_endpoint=_endpoint(spec, "count"),
    )


def next_page(spec):
    """The ListView for the rows after the request's cursor."""
    token = request.args.get("cursor", "")
    params, phase, value, last_id = decode_cursor(spec, token)
    params, page, _errors = _checked_page(spec, params, (phase, value, last_id))
    return ListView(
        spec=spec, params=params, page=page,
        widths={}, rows_endpoint=_endpoint(spec, "rows"), count_endpoint=_endpoint(spec, "count"),
        first=False,
    )


def register_list_routes(bp, spec, permission, page_template, url="/"):
    """Add a list's routes to a blueprint at `url`: the page, its next rows, its lazy count, its export."""
    @require(permission)
    def index():
        """The list page, or just its table when htmx sorts or searches."""
        view = first_page(spec)
        if is_partial():
            return render_template("_partials/list_table.html", view=view)
        extra = spec.page_context(current_user) if spec.page_context else {}
        return render_template(page_template, view=view, **extra)

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
        params, _page, _errors = _checked_page(spec, params_from_request(spec), limit=1)
        n, exact = bounded_count(spec, current_user, params)
        return render_template("_partials/list_count.html", n=n, exact=exact)

    @require(permission)
    def export():
        """Every row of the list as it is filtered and sorted, as CSV, streamed in keyset batches."""
        params, _page, _errors = _checked_page(spec, params_from_request(spec), limit=1)
        return csv_response(spec.export_name, [c.label for c in spec.columns],
                            stream_with_context(_export_rows(spec, params)))

    name = spec.endpoint.rpartition(".")[2]
    part = lambda p: _endpoint(spec, p).rpartition(".")[2]  # noqa: E731
    bp.add_url_rule(url, name, index)
    bp.add_url_rule(url + "rows", part("rows"), rows)
    bp.add_url_rule(url + "count", part("count"), count)
    if spec.export_name:
        bp.add_url_rule(url + "export.csv", part("export"), export)


def pages(spec, params, batch=EXPORT_BATCH):
    """Every row of the list as filtered and sorted, a keyset page of `batch` rows at a time (for exports)."""
    after = None
    while True:
        page = fetch_page(spec, current_user, params, after, limit=batch)
        yield page.rows
        if not page.next_cursor:
            return
        after = decode_cursor(spec, page.next_cursor)[1:]


def _export_rows(spec, params):
    for rows in pages(spec, params):
        for row in rows:
            values = row._mapping
            yield [column.export(values) for column in spec.columns]
