"""Forensic Search: the query model over file events (fields, operators, a required date range).

A search is a date range plus up to ROWS filter rows of (field, operator, value), all of which
(or any of which) must match. It lives in the URL (`range`, `from`, `to`, `match`, `f1`/`o1`/`v1`
…), so every search is shareable and the list pattern's cursors carry it. A refused row raises
ValidationError naming the row's input (`f2`, `o2` or `v2`), so the page shows the message there.
"""
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, and_, cast, func, or_, select

from webconsole.domain import audit, events
from webconsole.domain.dates import parse_day
from webconsole.domain.errors import Forbidden, NotFound, ValidationError
from webconsole.domain.listings.filters import ID_MAX
from webconsole.domain.scope import reaches, restrict, scope_for
from webconsole.extensions import db
from webconsole.models import FileEvent, Org, SavedSearch, User
from webconsole.models.base import utcnow
from webconsole.store import name_search

ROWS = 10
VALUE_MAX = 1024
RANGES = {"P1D": (_l("Last 24 hours"), timedelta(days=1)), "P7D": (_l("Last 7 days"), timedelta(days=7)),
          "P30D": (_l("Last 30 days"), timedelta(days=30)), "P90D": (_l("Last 90 days"), timedelta(days=90))}
DEFAULT_RANGE = "P30D"
WITHIN = {"PT15M": (_l("15 minutes"), timedelta(minutes=15)), "PT1H": (_l("1 hour"), timedelta(hours=1)),
          "PT12H": (_l("12 hours"), timedelta(hours=12)), "P1D": (_l("1 day"), timedelta(days=1)),
          "P7D": (_l("7 days"), timedelta(days=7)), "P30D": (_l("30 days"), timedelta(days=30))}

OPERATORS = {
    "is": _l("is"), "is_not": _l("is not"), "contains": _l("contains"), "starts_with": _l("starts with"),
    "greater_than": _l("is greater than"), "less_than": _l("is less than"),
    "on_or_after": _l("on or after"), "on_or_before": _l("on or before"), "within_last": _l("within the last"),
    "exists": _l("exists"),
}
# Which operators each kind of field takes.
KIND_OPERATORS = {
    "text": ("is", "is_not", "contains", "starts_with", "exists"),
    "user": ("is", "is_not", "contains", "starts_with"),
    "hash": ("is", "is_not", "exists"),
    "choice": ("is", "is_not"),
    "exposure": ("is", "is_not", "exists"),
    "number": ("is", "greater_than", "less_than"),
    "time": ("on_or_after", "on_or_before", "within_last"),
    "list": ("contains", "exists"),
}
_HASH = {32: re.compile(r"[0-9a-fA-F]{32}"), 64: re.compile(r"[0-9a-fA-F]{64}")}


@dataclass(frozen=True)
class Field:
    key: str  # the original's v1 name, used in URLs
    label: object
    kind: str
    column: object
    choices: tuple = ()  # stored values, for "choice" and "exposure"
    digits: int = 0  # for "hash"

    @property
    def operators(self):
        return KIND_OPERATORS[self.kind]


FIELDS = {f.key: f for f in (
    Field("eventType", _l("Event type"), "choice", FileEvent.event_type, events.EVENT_TYPES),
    Field("eventTimestamp", _l("Event time"), "time", FileEvent.event_at),
    Field("fileName", _l("File name"), "text", FileEvent.file_name),
    Field("filePath", _l("File path"), "text", FileEvent.file_path),
    Field("fileCategory", _l("File category"), "choice", FileEvent.file_category, events.CATEGORIES),
    Field("fileSize", _l("File size (bytes)"), "number", FileEvent.file_size),
    Field("fileOwner", _l("File owner"), "text", FileEvent.file_owner),
    Field("md5Checksum", _l("MD5 hash"), "hash", FileEvent.md5, digits=32),
    Field("sha256Checksum", _l("SHA-256 hash"), "hash", FileEvent.sha256, digits=64),
    Field("deviceUserName", _l("Username"), "user", FileEvent.username),
    Field("osHostName", _l("Hostname"), "text", FileEvent.hostname),
    Field("exposure", _l("Exposure type"), "exposure", FileEvent.exposure, events.EXPOSURES),
    Field("syncDestination", _l("Sync destination"), "choice", FileEvent.sync_destination, events.SYNC_DESTINATIONS),
    Field("source", _l("Source"), "choice", FileEvent.source, events.SOURCES),
    Field("processName", _l("Process name"), "text", FileEvent.process_name),
    Field("destinationName", _l("Destination name"), "text", FileEvent.destination_name),
    Field("tabUrls", _l("Tab URL"), "list", FileEvent.tab_urls),
    Field("emailRecipients", _l("E-mail recipient"), "list", FileEvent.email_recipients),
    Field("emailSubject", _l("E-mail subject"), "text", FileEvent.email_subject),
    Field("eventId", _l("Event ID"), "text", FileEvent.event_id),
)}


@dataclass(frozen=True)
class Row:
    n: int  # 1-based, as in the URL
    field: Field
    operator: str
    value: str


@dataclass(frozen=True)
class Query:
    start: datetime
    end: datetime
    match: str  # "all" or "any"
    rows: tuple


def _day(text, name):
    # Whole days within the calendar's safe range: the day after 9999-12-31 does not exist.
    return parse_day(text, field=name)


def typed_dates(args):
    """{argument: YYYY-MM-DD} of the dates in a search's `args` typed another way (31.12.2026, full-width
    digits) that read as a day: the custom range and the values of date rows. The page puts them in the
    URL as YYYY-MM-DD, so a search saved, exported or shared means the same days in every language."""
    names = ["from", "to"] + [f"v{n}" for n in range(1, ROWS + 1)
                              if getattr(FIELDS.get(args.get(f"f{n}")), "kind", None) == "time"
                              and args.get(f"o{n}") != "within_last"]
    found = {}
    for name in names:
        value = args.get(name) or ""
        try:
            day = parse_day(value) if value else None
        except ValidationError:
            continue  # refused where the search runs, and shown as typed beside its message
        if day is not None and day.isoformat() != value:
            found[name] = day.isoformat()
    return found


def date_range(filters, now=None):
    """(start, end) of the search: a quick pick, or a custom from/to (whole days, UTC)."""
    now = now or utcnow()
    chosen = filters.get("range") or (None if filters.get("from") or filters.get("to") else DEFAULT_RANGE)
    if chosen and chosen != "custom":
        if chosen not in RANGES:
            raise ValidationError(_l("Choose a date range from the list."), field="range", code="validation.choice")
        return now - RANGES[chosen][1], now
    if not filters.get("from"):
        # Named after the range, so the page falls back to the default range and says why.
        raise ValidationError(_l("A custom range needs a start date."), field="range", code="validation.required")
    start = datetime.combine(_day(filters["from"], "from"), time())
    end = datetime.combine(_day(filters["to"], "to"), time()) + timedelta(days=1) if filters.get("to") else now
    if end <= start:
        raise ValidationError(_l("The end date is before the start date."), field="to", code="validation.range")
    return start, end


def parse_rows(filters):
    """The complete filter rows of a search; an incomplete row (no field, or no value) is ignored.

    A refused row is named by its value (or, for "exists", by its field): the list drops that
    input, which leaves the row incomplete, so the rest of the search still runs.
    """
    rows = []
    for n in range(1, ROWS + 1):
        key, operator, value = (filters.get(f"{p}{n}", "") for p in "fov")
        value = value.strip()
        if not key or not value and operator != "exists":
            continue
        name = f"v{n}" if value else f"f{n}"
        field = FIELDS.get(key)
        if field is None:
            raise ValidationError(_l("Unknown field. Choose one from the list."), field=name, code="validation.choice")
        operator = operator or field.operators[0]
        if operator not in field.operators:
            raise ValidationError(_l("%(field)s cannot be compared with “%(operator)s”.", field=field.label,
                                     operator=OPERATORS.get(operator, operator)), field=name, code="validation.choice")
        if len(value) > VALUE_MAX:
            raise ValidationError(_l("The value is too long."), field=name, code="validation.length")
        rows.append(Row(n, field, operator, value))
    return tuple(rows)


def parse(filters, now=None):
    """The Query in a search's URL arguments (ListParams.filters)."""
    start, end = date_range(filters, now)
    match = filters.get("match") or "all"
    if match not in ("all", "any"):
        raise ValidationError(_l("Choose all or any."), field="match", code="validation.choice")
    return Query(start, end, match, parse_rows(filters))


def _bad(row, message, code="validation.choice"):
    return ValidationError(message, field=f"v{row.n}", code=code)


def condition(row, now=None):
    """The SQL condition of one filter row."""
    field, op, value, column = row.field, row.operator, row.value, row.field.column
    if field.kind == "hash":
        if op == "exists":
            return column != ""
        if not _HASH[field.digits].fullmatch(value):
            raise _bad(row, _l("Enter %(digits)d hexadecimal digits.", digits=field.digits), "validation.format")
        return column == value.lower() if op == "is" else column != value.lower()
    if field.kind == "exposure":
        if op == "exists":
            return column != 0
        if value not in events.EXPOSURE_BITS:
            raise _bad(row, _l("Choose a value from the list."))
        bit = column.op("&")(events.EXPOSURE_BITS[value])
        # "is" also says the event has an exposure: PostgreSQL then walks the index of exposed events
        # (migration 0021), not every event of the date range.
        return and_(column != 0, bit != 0) if op == "is" else bit == 0
    if field.kind == "choice":
        if value not in field.choices:
            raise _bad(row, _l("Choose a value from the list."))
        return column == value if op == "is" else column != value
    if field.kind == "number":
        # ASCII digits (int() reads "١٢" but not "²") that fit the 64-bit column.
        if not re.fullmatch(r"-?[0-9]{1,19}", value) or abs(int(value)) > ID_MAX:
            raise _bad(row, _l("Enter a whole number."), "validation.format")
        number = int(value)
        return {"is": column == number, "greater_than": column > number, "less_than": column < number}[op]
    if field.kind == "time":
        if op == "within_last":
            if value not in WITHIN:
                raise _bad(row, _l("Choose a period from the list."))
            return column >= (now or utcnow()) - WITHIN[value][1]
        day = datetime.combine(_day(value, f"v{row.n}"), time())
        return column >= day if op == "on_or_after" else column < day + timedelta(days=1)
    if field.kind == "list":
        if op == "exists":
            return column.is_not(None)
        return cast(column, Text).icontains(value, autoescape=True)
    if field.kind == "user" and op in ("is", "is_not"):
        # An investigator names a user; the (user_id, event_at) index answers when the user is known.
        user_id = db.session.scalar(select(User.id).where(User.username == value))
        if user_id is not None:
            return FileEvent.user_id == user_id if op == "is" else or_(FileEvent.user_id != user_id,
                                                                       FileEvent.user_id.is_(None))
    if op == "exists":
        return column != ""
    if field.key == "fileName" and op != "is_not":
        return name_search.file_name_condition(op, value)  # through the file-name index
    if field.key == "filePath" and op != "is_not":
        return name_search.file_path_condition(op, value)  # through the path index
    if op == "is":
        return column == value
    if op == "is_not":
        return column != value
    return name_search.matches(column, value, anchored=op == "starts_with")


def search(actor, params, now=None):
    """The list query of a Forensic Search, within what `actor` may search."""
    query = parse(params.filters, now)
    before_end = FileEvent.event_at < query.end
    if db.engine.dialect.name == "sqlite":
        # A scrolled page adds its keyset, a second upper bound on event_at, and SQLite seeks by only
        # one: the end, unless it is marked likely true. Then page 500 starts at its cursor instead of
        # skipping every newer event.
        before_end = func.likely(before_end)
    stmt = select(*events.LIST_COLUMNS).where(FileEvent.event_at >= query.start, before_end)
    stmt = restrict(stmt, scope_for(actor, "forensics.search"), org_column=FileEvent.org_id,
                    user_column=FileEvent.user_id)
    conditions = [condition(row, now) for row in query.rows]
    if conditions:
        stmt = stmt.where(and_(*conditions) if query.match == "all" else or_(*conditions))
    if params.q:
        stmt = stmt.where(name_search.file_name_condition("contains", params.q))
    return stmt


def get_event(actor, event_id):
    """One file event `actor` may search, or NotFound."""
    event = db.session.get(FileEvent, event_id)
    org = db.session.get(Org, event.org_id) if event is not None and event.org_id else None
    if event is None or not reaches(scope_for(actor, "forensics.search"), org, event.user_id):
        raise NotFound(_l("No such file event."))
    return event


# -- saved searches --------------------------------------------------------------------------------

SEARCH_ARGS = ("range", "from", "to", "match", *(f"{p}{n}" for n in range(1, ROWS + 1) for p in "fov"))


def query_string(args):
    """The canonical query string of a search from request-like args (what a saved search keeps)."""
    keep = [(k, args.get(k, "")) for k in (*SEARCH_ARGS, "q", "sort", "dir") if args.get(k)]
    return urlencode(keep)


def saved_searches():
    """Every saved search, by name: they are shared by all investigators."""
    return db.session.execute(select(SavedSearch, User.username).outerjoin(User, SavedSearch.created_by == User.id)
                              .order_by(SavedSearch.name)).all()


def save_search(actor, name, args):
    """Save the search in `args` under `name` (unique); audited."""
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= 100:
        raise ValidationError(_l("Enter a name of 1 to 100 characters."), field="name", code="validation.length")
    if db.session.scalar(select(SavedSearch.id).where(SavedSearch.name == name)):
        raise ValidationError(_l("A saved search with this name exists already."), field="name",
                              code="saved_search.name_taken")
    args = {**args, **typed_dates(args)}  # kept with its days as YYYY-MM-DD, the same in every language
    query = parse({k: args.get(k, "") for k in SEARCH_ARGS if args.get(k)})
    for row in query.rows:  # only a valid search is saved
        condition(row)
    saved = SavedSearch(name=name, query=query_string(args), created_by=actor.id)
    db.session.add(saved)
    db.session.flush()
    audit.record("search.save", actor=actor, obj=saved, object_type="saved_search", object_label=name,
                 details={"query": saved.query})
    db.session.commit()
    return saved


def deletable_search(actor, search_id):
    """The saved search `actor` may delete: its author may, and so may whoever holds every insider-risk
    permission; NotFound or Forbidden otherwise."""
    saved = db.session.get(SavedSearch, search_id)
    if saved is None:
        raise NotFound(_l("No such saved search."))
    if saved.created_by not in (None, actor.id) and scope_for(actor, "watchlists.manage").kind != "all":
        raise Forbidden(_l("Only the one who saved this search can delete it."), code="saved_search.not_owner")
    return saved


def delete_search(actor, search_id):
    """Delete a saved search (see deletable_search); audited."""
    saved = deletable_search(actor, search_id)
    audit.record("search.delete", actor=actor, obj=saved, object_type="saved_search",
                 object_label=saved.name, details={"query": saved.query})
    db.session.delete(saved)
    db.session.commit()


# -- events in the original's shape ----------------------------------------------------------------

V1_FIELDS = (
    ("eventId", "event_id"), ("eventType", "event_type"), ("source", "source"), ("fileName", "file_name"),
    ("filePath", "file_path"), ("fileSize", "file_size"), ("fileOwner", "file_owner"),
    ("fileCategory", "file_category"), ("md5Checksum", "md5"), ("sha256Checksum", "sha256"),
    ("mimeTypeMismatch", "mime_mismatch"), ("outsideActiveHours", "outside_active_hours"),
    ("deviceUserName", "username"), ("operatingSystemUser", "os_user"), ("osHostName", "hostname"),
    ("publicIpAddress", "public_ip"), ("privateIpAddresses", "private_ips"), ("syncDestination", "sync_destination"),
    ("syncDestinationUsername", "sync_username"), ("tabUrls", "tab_urls"), ("tabTitles", "tab_titles"),
    ("destinationCategory", "destination_category"), ("destinationName", "destination_name"),
    ("emailSubject", "email_subject"), ("emailSender", "email_sender"), ("emailRecipients", "email_recipients"),
    ("printerName", "printer_name"), ("printJobName", "print_job_name"), ("processName", "process_name"),
    ("processOwner", "process_owner"), ("riskIndicatorNames", "risk_indicators"), ("riskScore", "risk_score"),
)
MEDIA_FIELDS = {column: key for key, column in events.REMOVABLE_MEDIA.items()}


def as_v1(event):
    """A stored event in the original's v1 JSON shape (empty values left out)."""
    item = {"eventTimestamp": event.event_at.isoformat(timespec="milliseconds") + "Z",
            "insertionTimestamp": event.inserted_at.isoformat(timespec="milliseconds") + "Z"}
    for key, column in V1_FIELDS:
        value = getattr(event, column)
        if value not in (None, "", [], False) or column in ("file_size",) and value is not None:
            item[key] = value
    if event.exposure:
        item["exposure"] = events.exposure_names(event.exposure)
    if event.risk_severity:
        item["riskSeverity"] = events.SEVERITIES[event.risk_severity]
    for column, value in (event.removable_media or {}).items():
        item["removableMediaCapacity" if column == "capacity" else MEDIA_FIELDS[column]] = value
    return item


def events_as_v1(ids):
    """The events with these ids, in this order, in the v1 shape."""
    found = {e.id: e for e in db.session.scalars(select(FileEvent).where(FileEvent.id.in_(ids)))} if ids else {}
    return [as_v1(found[i]) for i in ids if i in found]
