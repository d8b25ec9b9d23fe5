"""File events, alerts and the audit log of the Incydr API, as the incydr SDK's `file_events.v2`, `alerts.v1`
and `audit_log.v1` use them (bare JSON). They go through the same query language, domain functions and
scopes as the legacy API's (file_events.py, alerts.py, audit.py); this module says only where the SDK differs:
file-event queries nest subgroups and send `pgNum` with `pgToken`, the last page's token is null, the audit
search takes `resourceIds` and `userTypes`."""
import dataclasses
import re
from datetime import timedelta

from flask import jsonify
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, true

from webconsole.blueprints.code42_api import alerts, audit, bp
from webconsole.blueprints.code42_api.door import ApiError, api, body, iso, number
from webconsole.domain import event_query
from webconsole.domain.errors import ValidationError
from webconsole.models.base import utcnow

DURATION = re.compile(r"P(?:([0-9]{1,5})W)?(?:([0-9]{1,6})D)?(?:T(?:([0-9]{1,7})H)?(?:([0-9]{1,9})M)?"
                      r"(?:([0-9]{1,10}(?:\.[0-9]{1,6})?)S)?)?")
DURATION_MAX = timedelta(days=36_500)
SUBGROUP_DEPTH = 4  # EventQuery.subquery nests one level per call; deeper bodies are refused, not recursed into
USER_TYPES = ("USER", "SUPPORT_USER", "API_CLIENT", "SYSTEM", "UNKNOWN")


def _refuse(message, field="query"):
    return ValidationError(message, field=field, code="fileevent.query")


def _clause(value, name):
    value = (value or "AND").upper() if isinstance(value, str) or value is None else ""
    if value not in ("AND", "OR"):
        raise _refuse(_l("%(name)s is AND or OR.", name=name), field=name)
    return and_ if value == "AND" else or_


def _duration(value):
    """The timedelta of an ISO 8601 duration in weeks, days, hours, minutes and seconds (P2D, PT36H, P1W...),
    or None (months and years have no fixed length)."""
    found = DURATION.fullmatch(value) if isinstance(value, str) and len(value) <= 40 else None
    if not found or not any(found.groups()):
        return None
    weeks, days, hours, minutes, seconds = (float(n) if n else 0 for n in found.groups())
    span = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    return span if span <= DURATION_MAX else None


def _filter_condition(term, operator, value, now):
    """A filter's condition as the legacy language has it, WITHIN_THE_LAST taking any ISO duration the SDK
    sends (EventQuery(start_date="P2D") or a timedelta), not only the fixed periods of Forensic Search."""
    if operator == "WITHIN_THE_LAST":
        if not isinstance(value, str):  # the legacy language looks a period up by value: only text can be one
            raise _refuse(_l("Choose a period such as P30D."))
        if value not in event_query.DURATIONS and _duration(value) is not None:
            return event_query.filter_condition(term, "ON_OR_AFTER", iso(now - _duration(value)), now)
    return event_query.filter_condition(term, operator, value, now)


def _condition(groups, clause, name, now, seen, depth=0):
    """The SQL condition of `groups` joined by `clause`: each a group of filters (as the legacy query language
    has them) or a {subgroupClause, subgroups} of the same, up to SUBGROUP_DEPTH deep and GROUPS_MAX groups in all."""
    if not isinstance(groups, list):
        raise _refuse(_l("groups must be a list of at most %(max)d groups.", max=event_query.GROUPS_MAX), "groups")
    join = _clause(clause, name)
    parts = []
    for group in groups:
        seen[0] += 1
        if seen[0] > event_query.GROUPS_MAX:
            raise _refuse(_l("groups must be a list of at most %(max)d groups.", max=event_query.GROUPS_MAX),
                          "groups")
        if isinstance(group, dict) and "subgroups" in group:
            if depth >= SUBGROUP_DEPTH:
                raise _refuse(_l("groups must be a list of at most %(max)d groups.", max=event_query.GROUPS_MAX),
                              "groups")
            inner = _condition(group["subgroups"], group.get("subgroupClause"), "subgroupClause", now, seen,
                               depth + 1)
            if inner is not None:
                parts.append(inner)
        elif not (isinstance(group, dict) and not group.get("filters")):  # an empty group filters nothing
            parts.append(event_query.combined({"groups": [group]}, _filter_condition, now))
    return join(*parts) if parts else None  # nothing to filter by: left out of the groups around it


def _query(values):
    """The legacy Query of an SDK search body, its condition read with subgroups."""
    for name in ("srtKey", "srtDir", "groupClause"):
        if values.get(name) is not None and not isinstance(values[name], str):
            raise _refuse(_l("%(name)s must be text of at most %(max)d characters.", name=name, max=40), name)
    query = event_query.parse({**values, "groups": []})
    condition = _condition(values.get("groups") or [], values.get("groupClause"), "groupClause", utcnow(), [0])
    return dataclasses.replace(query, condition=true() if condition is None else condition)


def _problem(error):
    response = jsonify({"fileEvents": [], "nextPgToken": None, "totalCount": 0,
                        "problems": [{"type": error.code, "description": str(error.message), "badFilter": None}]})
    response.status_code = 400  # the SDK raises InvalidQueryException, which reads `problems` from this body
    return response


@bp.post("/v2/file-events")
@api("forensics.search", envelope=False)
def incydr_search_file_events(actor):
    """A page of file events in the v2 shape: groups (and nested subgroups) of {term, operator, value}, srtKey,
    srtDir, pgSize, and pgToken ("" for the first page, then the answer's nextPgToken, null after the last)
    or, without a token, pgNum (from 1). The SDK sends both; the token wins."""
    values = body()
    try:
        query = _query(values)
        token = values.get("pgToken")
        if token is not None and not isinstance(token, str):
            raise event_query.InvalidPageToken(_l("The page token is not valid."), field="pgToken")
        page_num = number("pgNum", 1, 1, 10**6, values) if token is None else None
        found, next_token = event_query.search(actor, query, page_token=token or None, page_num=page_num)
    except ValidationError as error:
        return _problem(error)
    uids, guids = event_query.owners(found)
    return {"fileEvents": [event_query.as_v2(e, uids, guids) for e in found], "nextPgToken": next_token or None,
            "totalCount": event_query.count(actor, query), "problems": None}


@bp.post("/v1/audit/search-audit-log")
@api("audit.view", envelope=False)
def incydr_search_audit_log(actor):
    """A page (`page` from 0, `pageSize`) of audit entries, newest first: dateRange {startTime, endTime} in POSIX
    seconds, actorIds, actorNames, actorIpAddresses, eventTypes, resourceIds (the changed objects' ids) and
    userTypes (USER, API_CLIENT, SYSTEM; SUPPORT_USER and UNKNOWN match nothing here); null filters nothing."""
    values = body()
    kinds = audit.text_list(values, "userTypes")
    if any(k not in USER_TYPES for k in kinds):
        raise ApiError(400, "validation.choice", _l("Choose a value from the list."), "userTypes")
    extra = {"resource_ids": audit.text_list(values, "resourceIds"), "actor_kinds": kinds}
    return audit.search_page(actor, values, extra)


# The alert calls read and answer exactly as the legacy ones do (terms matched without regard to case, so
# the SDK's PascalCase ones too; pgNum from 0; tenantId the token's tenant): the same views at the SDK's paths.
for _path, _view in (("query-alerts", alerts.query_alerts), ("query-details", alerts.query_details),
                     ("update-state", alerts.update_state), ("add-note", alerts.add_note)):
    bp.add_url_rule(f"/v1/alerts/{_path}", endpoint=f"incydr_{_view.__name__}", view_func=_view, methods=["POST"])
