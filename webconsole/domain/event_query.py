"""The file-event query language of the Code42 clients (py42, code42cli, the incydr SDK), over the
console's file events: groups of filters {term, operator, value}, each group's filters joined by its
filterClause, the groups by groupClause; v2 dotted terms (file.name, @timestamp...) and the v1 names
Forensic Search uses in its URLs (fileName, eventTimestamp...). Results page by an opaque, signed token
that carries where the last page ended (sort value, id), never by offset.

Every search is within what the actor may search (forensics.search), as in the browser.
"""
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import String, and_, false, func, or_, select, true, tuple_, type_coerce

from webconsole.domain import events
from webconsole.domain.errors import ValidationError
from webconsole.domain.scope import restrict, scope_for
from webconsole.extensions import db
from webconsole.models import Device, FileEvent, User

GROUPS_MAX, FILTERS_MAX, VALUE_MAX = 50, 200, 1024
PAGE_MAX = 10_000
# The clients' names of our event types (v2 `event.action`).
ACTIONS = {"CREATED": "file-created", "MODIFIED": "file-modified", "DELETED": "file-deleted",
           "READ_BY_APP": "application-read", "EMAILED": "file-emailed", "PRINTED": "file-printed"}
TYPES = {action: kind for kind, action in ACTIONS.items()}
DURATIONS = {"PT15M": timedelta(minutes=15), "PT1H": timedelta(hours=1), "PT3H": timedelta(hours=3),
             "PT12H": timedelta(hours=12), "P1D": timedelta(days=1), "P3D": timedelta(days=3),
             "P7D": timedelta(days=7), "P14D": timedelta(days=14), "P30D": timedelta(days=30),
             "P90D": timedelta(days=90)}

# term: (kind, column); v2 names first, then v1's.
TERMS = {
    "@timestamp": ("time", FileEvent.event_at), "event.inserted": ("time", FileEvent.inserted_at),
    "event.id": ("text", FileEvent.event_id), "event.action": ("action", FileEvent.event_type),
    "user.email": ("text", FileEvent.username), "user.id": ("user_uid", FileEvent.user_id),
    "user.deviceUid": ("device_uid", FileEvent.device_id), "file.name": ("text", FileEvent.file_name),
    "file.directory": ("text", FileEvent.file_path), "file.category": ("text", FileEvent.file_category),
    "file.sizeInBytes": ("number", FileEvent.file_size), "file.owner": ("text", FileEvent.file_owner),
    "file.hash.md5": ("text", FileEvent.md5), "file.hash.sha256": ("text", FileEvent.sha256),
    "risk.severity": ("severity", FileEvent.risk_severity), "risk.score": ("number", FileEvent.risk_score),
    "source.category": ("text", FileEvent.source), "destination.name": ("text", FileEvent.destination_name),
    "destination.category": ("text", FileEvent.destination_category),
    "process.executable": ("text", FileEvent.process_name), "process.owner": ("text", FileEvent.process_owner),
    "source.domain": ("text", FileEvent.hostname), "email.subject": ("text", FileEvent.email_subject),
    "eventTimestamp": ("time", FileEvent.event_at), "insertionTimestamp": ("time", FileEvent.inserted_at),
    "eventId": ("text", FileEvent.event_id), "eventType": ("type", FileEvent.event_type),
    "deviceUserName": ("text", FileEvent.username), "fileName": ("text", FileEvent.file_name),
    "filePath": ("text", FileEvent.file_path), "fileCategory": ("text", FileEvent.file_category),
    "fileSize": ("number", FileEvent.file_size), "fileOwner": ("text", FileEvent.file_owner),
    "md5Checksum": ("text", FileEvent.md5), "sha256Checksum": ("text", FileEvent.sha256),
    "osHostName": ("text", FileEvent.hostname), "exposure": ("exposure", FileEvent.exposure),
    "riskSeverity": ("severity", FileEvent.risk_severity), "processName": ("text", FileEvent.process_name),
    "source": ("text", FileEvent.source), "destinationName": ("text", FileEvent.destination_name),
}
SORTS = {"@timestamp": FileEvent.event_at, "eventTimestamp": FileEvent.event_at,
         "event.inserted": FileEvent.inserted_at, "insertionTimestamp": FileEvent.inserted_at,
         "event.id": FileEvent.id, "eventId": FileEvent.id}


class InvalidPageToken(ValidationError):
    code = "fileevent.page_token"


@dataclass(frozen=True)
class Query:
    condition: object
    sort_key: str
    descending: bool
    size: int


def _refuse(message, field="query", code="fileevent.query"):
    return ValidationError(message, field=field, code=code)


def _moment(value):
    """An ISO moment (Z or an offset; a bare date is its midnight) as naive UTC; ValidationError otherwise."""
    if isinstance(value, str) and len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
    raise _refuse(_l("A time must be an ISO 8601 moment, such as 2026-12-01T00:00:00.000Z."))


def _number(value):
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and re.fullmatch(
            r"-?[0-9]{1,19}", value))) or abs(int(value)) > 2**63 - 1:
        raise _refuse(_l("A size or score must be a whole number."))
    return int(value)


def _values(value):
    """A filter's value as a list of strings (IS_ANY / IS_NONE take lists)."""
    items = value if isinstance(value, list) else [value]
    if len(items) > FILTERS_MAX or not all(isinstance(v, str) and len(v) <= VALUE_MAX and "\x00" not in v
                                           for v in items):
        raise _refuse(_l("A value must be text of at most %(max)d characters.", max=VALUE_MAX))
    return items


def _equal(kind, column, value):
    """The SQL test of one stored value equal to the client's `value` of a term of this kind."""
    if kind == "action":
        return column == TYPES.get(value, "") if value in TYPES else false()
    if kind == "type":
        return column == value
    if kind == "severity":
        return column == events.SEVERITIES.index(value) if value in events.SEVERITIES else false()
    if kind == "user_uid":
        return column == select(User.id).where(User.uid == value).scalar_subquery()
    if kind == "device_uid":
        return column == select(Device.id).where(Device.guid == value).scalar_subquery()
    if kind == "exposure":
        bit = events.EXPOSURE_BITS.get(value)
        return column.op("&")(bit) != 0 if bit else false()
    if kind == "number":
        return column == _number(value)
    if kind == "text" and column in (FileEvent.md5, FileEvent.sha256, FileEvent.username):
        return column == value.lower()
    return column == value


def filter_condition(term, operator, value, now):
    """The SQL condition of one filter; ValidationError names what is refused."""
    if not isinstance(term, str) or term not in TERMS:
        raise _refuse(_l("Unknown term: %(term)s.", term=str(term)[:100]))
    kind, column = TERMS[term]
    operator = operator.upper() if isinstance(operator, str) else ""
    if operator in ("EXISTS", "DOES_NOT_EXIST"):
        empty = {"number": column.is_(None), "severity": column == 0, "exposure": column == 0,
                 "user_uid": column.is_(None), "device_uid": column.is_(None), "time": column.is_(None)}.get(
            kind, or_(column.is_(None), column == ""))
        return ~empty if operator == "EXISTS" else empty
    if kind == "time":
        if operator == "ON_OR_AFTER":
            return column >= _moment(value)
        if operator == "ON_OR_BEFORE":
            return column <= _moment(value)
        if operator == "ON":
            start = _moment(value).replace(hour=0, minute=0, second=0, microsecond=0)
            return and_(column >= start, column < start + timedelta(days=1))
        if operator == "WITHIN_THE_LAST":
            if not isinstance(value, str) or value not in DURATIONS:  # a list is unhashable
                raise _refuse(_l("Choose a period such as P30D."))
            return column >= now - DURATIONS[value]
    elif kind == "number" and operator in ("GREATER_THAN", "LESS_THAN"):
        number = _number(value)
        return column > number if operator == "GREATER_THAN" else column < number
    elif operator in ("IS", "IS_NOT", "IS_ANY", "IS_NONE"):
        tests = [_equal(kind, column, v) for v in _values(value)]
        found = or_(*tests) if tests else false()
        return found if operator in ("IS", "IS_ANY") else or_(~found, column.is_(None))
    elif kind == "text" and operator in ("CONTAINS", "DOES_NOT_CONTAIN"):
        [text] = _values(value)
        found = column.icontains(text, autoescape=True)
        return found if operator == "CONTAINS" else ~found
    raise _refuse(_l("%(operator)s does not apply to %(term)s.", operator=operator[:40] or "?", term=term))


def _clause(value, name):
    value = (value or "AND").upper() if isinstance(value, str) or value is None else ""
    if value not in ("AND", "OR"):
        raise _refuse(_l("%(name)s is AND or OR.", name=name), field=name)
    return and_ if value == "AND" else or_


def combined(body, filter_fn, now):
    """The SQL condition of a query body's groups (each a list of filters joined by its filterClause, the
    groups by groupClause), each filter's condition from `filter_fn(term, operator, value, now)`."""
    groups = body.get("groups") or []
    if not isinstance(groups, list) or len(groups) > GROUPS_MAX:
        raise _refuse(_l("groups must be a list of at most %(max)d groups.", max=GROUPS_MAX), field="groups")
    conditions = []
    for group in groups:
        if not isinstance(group, dict) or not isinstance(group.get("filters") or [], list):
            raise _refuse(_l("Each group must be an object with its filters."), field="groups")
        filters = group.get("filters") or []
        if len(filters) > FILTERS_MAX:
            raise _refuse(_l("A group holds at most %(max)d filters.", max=FILTERS_MAX), field="groups")
        parts = []
        for item in filters:
            if not isinstance(item, dict):
                raise _refuse(_l("Each filter must be an object: term, operator, value."), field="groups")
            parts.append(filter_fn(item.get("term"), item.get("operator"), item.get("value"), now))
        if parts:
            conditions.append(_clause(group.get("filterClause"), "filterClause")(*parts))
    return _clause(body.get("groupClause"), "groupClause")(*conditions) if conditions else true()


def parse(body, now=None):
    """The Query of a search body (groups, groupClause, srtKey, srtDir, pgSize)."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    condition = combined(body, filter_condition, now)
    sort_key = body.get("srtKey") or "@timestamp"
    if not isinstance(sort_key, str) or sort_key not in SORTS:  # a list or an object is not a key either
        raise _refuse(_l("srtKey is one of %(keys)s.", keys=", ".join(SORTS)), field="srtKey")
    direction = body.get("srtDir") or "asc"
    if not isinstance(direction, str) or direction.lower() not in ("asc", "desc"):
        raise _refuse(_l("srtDir is asc or desc."), field="srtDir")
    size = body.get("pgSize", 100)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= PAGE_MAX:
        raise _refuse(_l("pgSize must be from 1 to %(max)d.", max=PAGE_MAX), field="pgSize")
    return Query(condition, sort_key, direction.lower() == "desc", size)


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="file-event-page")


def _token_key(token, query):
    if not isinstance(token, str) or len(token) > 500:
        raise InvalidPageToken(_l("The page token is not valid."), field="pgToken")
    try:
        sort_key, value, last_id = _serializer().loads(token.replace('\\"', '"'))
    except (BadSignature, ValueError, TypeError):
        raise InvalidPageToken(_l("The page token is not valid."), field="pgToken") from None
    if sort_key != query.sort_key or not isinstance(last_id, int):
        raise InvalidPageToken(_l("The page token is not valid."), field="pgToken")
    return value, last_id


def search(actor, query, page_token=None, page_num=None):
    """(events, the next page's token or None) of one page: after `page_token` (None or "": the first page),
    or else the `page_num`th page (1-based, for clients that number pages). The events are read-only rows
    with the model's attribute names: a page is up to 10 000 events, and making each an ORM object (an
    identity and a state to track) took longer than the query itself."""
    return _page(actor, query, FileEvent.__table__.columns, page_token, page_num)


def search_v2(actor, query, page_token=None, page_num=None):
    """(events in the clients' v2 shape, the next page's token or None) of one page, as `search` pages.
    Only the columns the shape shows are read, the owners' UID and GUID with them, and the times and risk
    indicators as stored: at 10 000 events a page, converting every column of every row and looking the
    owners up apart cost more than the query."""
    found, token = _page(actor, query, V2_COLUMNS, page_token, page_num)
    return [_v2_row(row) for row in found], token


def _page(actor, query, columns, page_token, page_num):
    """(rows of `columns`, the next page's token or None) of one page of `query` (see `search`)."""
    column = SORTS[query.sort_key]
    stmt = select(*columns)
    if page_token:
        value, last_id = _token_key(page_token, query)
        if column is FileEvent.id:
            stmt = stmt.where(FileEvent.id < last_id if query.descending else FileEvent.id > last_id)
        else:
            try:
                bound = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise InvalidPageToken(_l("The page token is not valid."), field="pgToken") from None
            key, after = tuple_(column, FileEvent.id), tuple_(bound, last_id)
            stmt = stmt.where(key < after if query.descending else key > after)
    # The page's own bound comes first in the WHERE: of two bounds on the sort index's column (the query's
    # `@timestamp ON_OR_AFTER` and the page's), SQLite seeks the index by the first written and filters
    # by the other, so with the query's bound first every page read the index from the query's start
    # (at 10 M events, 50 000 index pages for the last 30-day page instead of 200).
    stmt = restrict(stmt.where(query.condition), scope_for(actor, "forensics.search"),
                    org_column=FileEvent.org_id, user_column=FileEvent.user_id)
    order = [column, FileEvent.id] if column is not FileEvent.id else [FileEvent.id]
    stmt = stmt.order_by(*[o.desc() for o in order] if query.descending else order)
    if page_num and not page_token:
        stmt = stmt.offset(min((page_num - 1) * query.size, PAGE_MAX * 10))
    found = db.session.execute(stmt.limit(query.size + 1)).all()
    more = len(found) > query.size
    found = found[:query.size]
    token = None
    if more and found:
        last = found[-1]
        value = getattr(last, column.key)
        if isinstance(value, str):  # a time read as stored (V2_COLUMNS)
            value = stored_time(value)
        token = _serializer().dumps([query.sort_key, value.isoformat() if isinstance(value, datetime) else value,
                                     last.id])
    return found, token


def count(actor, query, bound=10_000):
    """How many events match, exactly up to `bound`."""
    inner = restrict(select(FileEvent.id).where(query.condition), scope_for(actor, "forensics.search"),
                     org_column=FileEvent.org_id, user_column=FileEvent.user_id).limit(bound + 1).subquery()
    return min(db.session.scalar(select(func.count()).select_from(inner)), bound)


def _iso(moment):
    return moment.isoformat(timespec="milliseconds") + "Z" if moment else None


def as_v2(event, uids=None, guids=None):
    """A stored event in the clients' v2 shape (nested objects; every key code42cli's table reads is there)."""
    uids, guids = uids or {}, guids or {}
    return {
        "@timestamp": _iso(event.event_at),
        "event": {"id": event.event_id, "action": ACTIONS.get(event.event_type, event.event_type.lower()),
                  "inserted": _iso(event.inserted_at), "observer": event.source},
        "user": {"email": event.username, "id": uids.get(event.user_id), "deviceUid": guids.get(event.device_id)},
        "file": {"name": event.file_name, "directory": event.file_path, "category": event.file_category or None,
                 "sizeInBytes": event.file_size, "owner": event.file_owner or None, "url": None,
                 "hash": {"md5": event.md5 or None, "sha256": event.sha256 or None}},
        "source": {"category": event.source, "domain": event.hostname or None, "ip": event.public_ip or None},
        "destination": {"name": event.destination_name or None, "category": event.destination_category or None},
        "process": {"executable": event.process_name or None, "owner": event.process_owner or None},
        "risk": {"severity": events.SEVERITIES[event.risk_severity] if 0 <= event.risk_severity < 5 else None,
                 "score": event.risk_score, "indicators": [{"name": str(i)} for i in (event.risk_indicators or [])]},
    }


def owners(found):
    """({user id: UID}, {device id: GUID}) of a page of events, in two queries."""
    user_ids = {e.user_id for e in found if e.user_id}
    device_ids = {e.device_id for e in found if e.device_id}
    uids = dict(db.session.execute(select(User.id, User.uid).where(User.id.in_(user_ids))).all()) if user_ids else {}
    guids = dict(db.session.execute(select(Device.id, Device.guid).where(Device.id.in_(device_ids))).all()) \
        if device_ids else {}
    return uids, guids


# The v2 shape's columns, in _v2_row's order. The times and the risk indicators are read as stored
# (type_coerce: on SQLite, text) and converted by _v2_row, not by each column's type; the owners' UID and
# GUID are subqueries by primary key, which keep the page's plan as it is (a join may change it).
V2_COLUMNS = (
    FileEvent.id, type_coerce(FileEvent.event_at, String).label("event_at"), FileEvent.event_id,
    FileEvent.event_type, type_coerce(FileEvent.inserted_at, String).label("inserted_at"), FileEvent.source,
    FileEvent.username, select(User.uid).where(User.id == FileEvent.user_id).scalar_subquery().label("user_uid"),
    select(Device.guid).where(Device.id == FileEvent.device_id).scalar_subquery().label("device_guid"),
    FileEvent.file_name, FileEvent.file_path, FileEvent.file_category, FileEvent.file_size, FileEvent.file_owner,
    FileEvent.md5, FileEvent.sha256, FileEvent.hostname, FileEvent.public_ip, FileEvent.destination_name,
    FileEvent.destination_category, FileEvent.process_name, FileEvent.process_owner, FileEvent.risk_severity,
    FileEvent.risk_score, type_coerce(FileEvent.risk_indicators, String).label("risk_indicators"),
)
_SEVERITY_NAMES = dict(enumerate(events.SEVERITIES))


def stored_time(value):
    """A time as the database hands it over uncoerced (SQLite: text, 'YYYY-MM-DD HH:MM:SS.ffffff'), as a
    naive UTC datetime; None stays None."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _v2_time(value):
    # SQLAlchemy's SQLite text of a time, 'YYYY-MM-DD HH:MM:SS.ffffff', cut to the clients' form; anything
    # else (PostgreSQL's datetimes, text without microseconds) goes through datetime.
    if isinstance(value, str) and len(value) == 26:
        return f"{value[:10]}T{value[11:23]}Z"
    return _iso(stored_time(value))


def _v2_row(row):
    """A V2_COLUMNS row in the clients' v2 shape: the same object as_v2 makes of the stored event."""
    (_id, event_at, event_id, event_type, inserted_at, source, username, user_uid, device_guid, file_name,
     file_path, file_category, file_size, file_owner, md5, sha256, hostname, public_ip, destination_name,
     destination_category, process_name, process_owner, risk_severity, risk_score, indicators) = row
    if isinstance(indicators, str):
        indicators = json.loads(indicators)
    return {
        "@timestamp": _v2_time(event_at),
        "event": {"id": event_id, "action": ACTIONS.get(event_type) or event_type.lower(),
                  "inserted": _v2_time(inserted_at), "observer": source},
        "user": {"email": username, "id": user_uid, "deviceUid": device_guid},
        "file": {"name": file_name, "directory": file_path, "category": file_category or None,
                 "sizeInBytes": file_size, "owner": file_owner or None, "url": None,
                 "hash": {"md5": md5 or None, "sha256": sha256 or None}},
        "source": {"category": source, "domain": hostname or None, "ip": public_ip or None},
        "destination": {"name": destination_name or None, "category": destination_category or None},
        "process": {"executable": process_name or None, "owner": process_owner or None},
        "risk": {"severity": _SEVERITY_NAMES.get(risk_severity), "score": risk_score,
                 "indicators": [{"name": str(i)} for i in indicators] if indicators else []},
    }
