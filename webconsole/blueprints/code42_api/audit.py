"""The audit log search, as py42's AuditLogsService and `code42 audit-logs search` use it (bare JSON, on the
AUDIT-LOG service address, which is this console)."""
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.blueprints.code42_api import bp
from webconsole.blueprints.code42_api.door import PAGE_SIZE_MAX, ApiError, api, body, number, numbered_page
from webconsole.domain.listings import ListParams, catalog
from webconsole.extensions import db
from webconsole.models import AuditEvent, User

LIST_MAX = 100  # values in one of the search's lists
LISTS = {"eventTypes": "event_types", "actorNames": "actor_names", "actorIpAddresses": "addresses",
         "affectedUserNames": "affected_names"}


def _moment(value, name):
    """An ISO 8601 UTC moment (with Z, any fraction) or POSIX seconds, as a naive UTC datetime; None for none."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, timezone.utc).replace(tzinfo=None)
        if isinstance(value, str) and len(value) <= 40:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
    except (ValueError, OverflowError, OSError):
        pass
    raise ApiError(400, "validation.format", _l("%(name)s must be a moment such as 2026-12-01T00:00:00.000Z.",
                                                name=name), name)


def text_list(values, name):
    found = values.get(name)
    if found in (None, []):
        return []
    if not isinstance(found, list) or len(found) > LIST_MAX or not all(
            isinstance(v, str) and len(v) <= 255 and "\x00" not in v for v in found):
        raise ApiError(400, "validation.format", _l("%(name)s must be a list of at most %(max)d texts.",
                                                    name=name, max=LIST_MAX), name)
    return found


def _uids_to_ids(uids):
    return list(db.session.scalars(select(User.id).where(User.uid.in_(uids)))) if uids else []


def event_shape(row, uids):
    return {
        "type$": f"audit_log::{row.event_type}/1", "eventType": row.event_type,
        "actorId": uids.get(row.actor_id), "actorName": row.actor_username, "actorIpAddress": row.address,
        "actorAgent": "", "actorType": "USER" if row.actor_id else "SYSTEM",
        "timestamp": row.at.isoformat(timespec="microseconds") + "Z",
        "userId": row.object_id if row.object_type == "user" else None,
        "userName": row.object_label if row.object_type == "user" else None,
        "objectType": row.object_type, "objectId": row.object_id, "objectLabel": row.object_label,
        "details": row.details or {},
    }


def search_page(actor, values, extra=None):
    """The answer of one audit search body (`page` from 0, `pageSize`, the lists of `LISTS`, actorIds,
    affectedUserIds, dateRange), narrowed further by the listing filters `extra`; shared with the Incydr door."""
    page = number("page", 0, 0, 10**9, values)
    size = number("pageSize", 100, 1, PAGE_SIZE_MAX, values)
    span = values.get("dateRange") or {}
    if not isinstance(span, dict):
        raise ApiError(400, "validation.format", _l("dateRange must be an object."), "dateRange")
    filters = {"after": _moment(span.get("startTime"), "startTime"),
               "before": _moment(span.get("endTime"), "endTime")}
    for name, key in LISTS.items():
        filters[key] = text_list(values, name)
    filters["actor_ids"] = _uids_to_ids(text_list(values, "actorIds")) or (
        [-1] if text_list(values, "actorIds") else [])
    filters["affected_uids"] = text_list(values, "affectedUserIds")
    filters.update(extra or {})
    params = ListParams(sort="at", dir="desc", filters={k: v for k, v in filters.items() if v})
    rows = numbered_page(catalog.AUDIT, actor, params, page + 1, size)
    full = {r.id: r for r in db.session.scalars(select(AuditEvent).where(AuditEvent.id.in_([r.id for r in rows])))}
    uids = dict(db.session.execute(select(User.id, User.uid).where(
        User.id.in_({e.actor_id for e in full.values() if e.actor_id}))).all()) if full else {}
    events = [event_shape(full[r.id], uids) for r in rows if r.id in full]
    total, _exact = catalog.AUDIT.count(actor, params)
    return {"events": events, "paginationRangeStartIndex": page * size,
            "paginationRangeEndIndex": page * size + len(events), "totalResultCount": total}


@bp.post("/rpc/search/search-audit-log")
@api("audit.view", envelope=False)
def search_audit_log(actor):
    """A page (from 0) of audit entries: dateRange {startTime, endTime}, eventTypes, actorIds (user UIDs),
    actorNames, actorIpAddresses, affectedUserIds, affectedUserNames; an empty list filters nothing."""
    return search_page(actor, body())
