"""Forensic Search: file events by any field within a date range; event details; saved searches."""
import json
from contextlib import closing
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webconsole.blueprints.forensics import bp
from webconsole.domain import cases, connections, events, forensics
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import catalog
from webconsole.models import FileEvent
from webconsole.models.base import utcnow
from webconsole.web.exports import safe_filename
from webconsole.web.file_events import file_event_columns
from webconsole.web.forms import ConfirmForm, confirm_page
from webconsole.web.htmx import current_url, is_partial
from webconsole.web.list_views import export_pages, export_tracker, register_list_routes
from webconsole.web.lists import Column, ListSpec, params_from_request
from webconsole.web.permissions import can, require


def _page_context(actor, params):
    return {"fields": forensics.FIELDS, "operators": forensics.OPERATORS, "ranges": forensics.RANGES,
            "within": forensics.WITHIN, "rows": _form_rows(), "saved": forensics.saved_searches(),
            "query_string": forensics.query_string(request.args), "without_row": _without_row,
            "open_cases": cases.open_cases(actor) if can("cases.manage") else None}


def _without_row(n):
    """This search's URL less filter row `n`."""
    args = {k: v for k, v in request.args.items() if k not in (f"f{n}", f"o{n}", f"v{n}", "cursor")}
    return url_for("forensics.index") + "?" + urlencode(args)


def _form_rows():
    """The filter rows as typed (kept as given, errors and all), plus one empty row to fill in."""
    rows = []
    for n in range(1, forensics.ROWS + 1):
        f, o, v = (request.args.get(f"{p}{n}", "") for p in "fov")
        if f or v:
            rows.append({"n": len(rows) + 1, "source": n, "field": f, "operator": o, "value": v})
    if len(rows) < forensics.ROWS:
        rows.append({"n": len(rows) + 1, "source": None, "field": "", "operator": "", "value": ""})
    return rows


# The rows' checkboxes, for cases.manage holders: a case is opened with (or given) the selected events.
SELECT = Column("event", _l("Select"), cell="select", width=40, required=True, permission="cases.manage",
                exported=False, select=(FileEvent.id.label("event"),))

SEARCH = ListSpec(
    listing=catalog.FORENSIC_SEARCH,
    endpoint="forensics.index",
    export_name="file-events",
    page_context=_page_context,
    choosable=True,
    columns=[SELECT] + file_event_columns(
        "event_at", "event_type", "file_name", "file_path", "file_size", "file_category", "username", "os_user",
        "hostname", "file_owner", "source", "exposure", "sync_destination", "media_name", "media_volume",
        "process_name", "destination_name", "tab_urls", "email_subject", "email_recipients", "risk_severity",
        "sha256", "md5", "event_id",
        details=True, optional=("file_category", "hostname", "sha256",  # the defaults fit a 1440 px window
                                "os_user", "file_owner", "source", "sync_destination", "media_name", "media_volume",
                                "process_name", "destination_name", "tab_urls", "email_subject", "email_recipients",
                                "risk_severity", "md5", "event_id")),
)

register_list_routes(bp, SEARCH, "forensics.search", "forensics/index.html")


@bp.before_request
def dates_as_iso():
    """A search whose dates were typed in the console's locale (31.12.2026) goes to its address with them
    as YYYY-MM-DD, before its sort links, exports and saved search are built from the address."""
    if request.endpoint != "forensics.index":
        return None
    typed = forensics.typed_dates(request.args)
    if not typed:
        return None
    args = [(k, typed.get(k, v)) for k, v in request.args.items(multi=True)]
    return redirect(url_for("forensics.index") + "?" + urlencode(args))


def _search_with(current_url, field, value):
    """The search at `current_url` with one more row: `field` is `value` (a click on a value in an event)."""
    args = dict(parse_qsl(urlsplit(current_url or "").query)) if current_url else {}
    args = {k: v for k, v in args.items() if k in (*forensics.SEARCH_ARGS, "q", "sort", "dir")}
    used = [n for n in range(1, forensics.ROWS + 1) if args.get(f"f{n}")]
    n = next((n for n in range(1, forensics.ROWS + 1) if n not in used), None)
    if n is None:
        return None
    args.update({f"f{n}": field, f"o{n}": "is", f"v{n}": value})
    return url_for("forensics.index") + "?" + urlencode(args)


@bp.get("/events/<event_id:event_id>")
@require("forensics.search")
def event(event_id):
    """Every field of one file event; each value can be added to the search as a filter."""
    found = forensics.get_event(current_user, event_id)
    page = current_url() if is_partial() else None
    base = f"{page.path}?{page.query}" if page and page.path == url_for("forensics.index") else None
    pivot = lambda field, value: _search_with(base or url_for("forensics.index"), field, value)  # noqa: E731
    template = "forensics/_event.html" if is_partial() else "forensics/event.html"
    return render_template(template, event=found, pivot=pivot, exposures=events.exposure_names(found.exposure),
                           connection=connections.origin_name(found.origin))


@bp.get("/export.json")
@require("forensics.search")
def export_json():
    """The whole result as a JSON array of v1 events (every field, whatever the columns shown), streamed
    in keyset batches; with a `progress` token, how far it has got can be asked while it runs."""
    try:
        params = params_from_request(SEARCH)
        SEARCH.listing.page(current_user, params, limit=1, only=[])
    except ValidationError as error:
        abort(400, description=str(error))
    tracker = export_tracker(SEARCH, params)

    def stream():
        yield "[\n"
        first = True
        with closing(export_pages(SEARCH, params, columns=[], tracker=tracker)) as batches:
            for rows in batches:
                for item in forensics.events_as_v1([row.id for row in rows]):
                    yield ("" if first else ",\n") + json.dumps(item, ensure_ascii=False)
                    first = False
        yield "\n]\n"

    return Response(stream_with_context(stream()), mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{safe_filename(f"file-events-{utcnow():%Y-%m-%d}")}.json"',
        "X-Content-Type-Options": "nosniff"})


@bp.post("/saved")
@require("forensics.search")
def save():
    """Save the search in the form's query string under a name; shared with every investigator."""
    args = dict(parse_qsl(request.form.get("query", "")))
    try:
        saved = forensics.save_search(current_user, request.form.get("name", ""), args)
    except ValidationError as error:
        flash(str(error), "error")
        return redirect(url_for("forensics.index") + "?" + forensics.query_string(args))
    flash(_("Search saved as “%(name)s”.", name=saved.name), "success")
    return redirect(url_for("forensics.index") + "?" + saved.query)


@bp.get("/saved")
@require("forensics.search")
def saved_list():
    """Every saved search: open one, or delete your own."""
    return render_template("forensics/saved.html", saved=forensics.saved_searches())


@bp.route("/saved/<int:search_id>/delete", methods=["GET", "POST"])
@require("forensics.search")
def delete_saved(search_id):
    """Confirm, then delete a saved search (its author's, or by an insider-risk administrator)."""
    saved = forensics.deletable_search(current_user, search_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        forensics.delete_search(current_user, saved.id)
        flash(_("Saved search deleted."), "success")
        return redirect(url_for("forensics.saved_list"))
    return confirm_page(form, subject=saved.name, button=_("Delete"), question=_("Delete %(name)s?", name=saved.name),
                        consequence=_("Saved searches are shared: every investigator loses it. The events it finds "
                                      "stay. A deleted search cannot be restored."),
                        cancel_url=url_for("forensics.saved_list"))
