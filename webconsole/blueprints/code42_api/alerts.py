"""Alerts, as py42's AlertService and `code42 alerts search` use them (bare JSON, on the AlertService
address: this console). Terms match without regard to case, as the two families of clients differ."""
import json

from flask import jsonify
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.blueprints.code42_api import bp
from webconsole.blueprints.code42_api.door import PAGE_SIZE_MAX, ApiError, api, body, number
from webconsole.domain import alerts as domain
from webconsole.domain import api_clients
from webconsole.domain.errors import ValidationError
from webconsole.extensions import db
from webconsole.models import User

STATES = {v: k for k, v in domain.API_STATES.items() if k != "DISMISSED"}
IDS_MAX = 100


def _iso(moment):
    return moment.isoformat(timespec="microseconds") + "Z" if moment else None


def alert_shape(alert, tenant, uids):
    return {
        "id": str(alert.id), "tenantId": tenant, "type": "FED_ENDPOINT_EXFILTRATION", "name": alert.name,
        "description": alert.rule.description if alert.rule is not None else "", "actor": alert.username,
        "actorId": uids.get(alert.user_id), "target": "N/A",
        "severity": alert.severity.upper(), "riskSeverity": alert.severity.upper(), "ruleId": str(alert.rule_id),
        "ruleSource": "Alerting", "createdAt": _iso(alert.created_at), "state": STATES.get(alert.state, "OPEN"),
        "stateLastModifiedAt": _iso(alert.state_changed_at), "fileCount": alert.file_count,
        "totalFileSize": alert.total_bytes, "vector": alert.vector,
    }


def _uids(found):
    ids = {a.user_id for a in found if a.user_id}
    return dict(db.session.execute(select(User.id, User.uid).where(User.id.in_(ids))).all()) if ids else {}


@bp.post("/svc/api/v1/query-alerts")
@api(domain.PERMISSION, envelope=False)
def query_alerts(actor):
    """A page (pgNum from 0, pgSize) of alerts matching the query's groups, newest or oldest first."""
    values = body()
    page = number("pgNum", 0, 0, 10**6, values)
    size = number("pgSize", 100, 1, PAGE_SIZE_MAX, values)
    direction = str(values.get("srtDirection") or "desc").lower()
    if direction not in ("asc", "desc"):
        raise ApiError(400, "validation.choice", _l("srtDir is asc or desc."), "srtDirection")
    try:
        found, total = domain.api_search(actor, values, page, size, direction == "desc")
    except ValidationError as error:
        response = jsonify({"type$": "ALERT_QUERY_RESPONSE", "alerts": [], "totalCount": 0,
                            "problems": [{"type": error.code, "description": error.message}]})
        response.status_code = 400
        return response
    tenant, uids = api_clients.tenant_uid(), _uids(found)
    return {"type$": "ALERT_QUERY_RESPONSE", "alerts": [alert_shape(a, tenant, uids) for a in found],
            "totalCount": total, "problems": []}


@bp.post("/svc/api/v1/query-details")
@api(domain.PERMISSION, envelope=False)
def query_details(actor):
    """The alerts of alertIds (up to 100) with their observations: the files behind each."""
    ids = body().get("alertIds")
    if not isinstance(ids, list) or len(ids) > IDS_MAX or not all(isinstance(i, (str, int)) for i in ids):
        raise ApiError(400, "validation.format", _l("%(name)s must be a list of at most %(max)d texts.",
                                                    name="alertIds", max=IDS_MAX), "alertIds")
    found = domain.api_details(actor, [str(i) for i in ids])
    tenant, uids = api_clients.tenant_uid(), _uids(found)
    shown = []
    for alert in found:
        shape = alert_shape(alert, tenant, uids)
        events, total = domain.alert_events(alert, limit=100)
        files = [{"eventId": e.event_id, "path": e.file_path, "name": e.file_name, "category": e.file_category,
                  "size": e.file_size, "timestamp": _iso(e.event_at)} for e in events]
        shape["observations"] = [{
            "type$": "OBSERVATION", "id": f"{alert.id}-1", "observedAt": _iso(alert.last_event_at),
            "type": "FedEndpointExfiltration",
            "data": json.dumps({"fileCount": alert.file_count, "totalFileSize": alert.total_bytes,
                                "files": files, "filesShown": len(files), "eventsStored": total})}]
        shown.append(shape)
    return {"type$": "ALERT_DETAILS_RESPONSE", "alerts": shown}


def _note(values, name="note"):
    note = values.get(name)
    if note is not None and not isinstance(note, str):
        raise ApiError(400, "validation.format", _l("%(name)s must be text of at most %(max)d characters.",
                                                    name=name, max=domain.NOTE_MAX), name)
    return note or ""


@bp.post("/svc/api/v1/update-state")
@api(domain.PERMISSION, envelope=False)
def update_state(actor):
    """Move the alerts alertIds to state (OPEN, IN_PROGRESS, PENDING, RESOLVED) with an optional note (resolving
    needs one, as in the console); all or none are changed."""
    values = body()
    ids = values.get("alertIds")
    if not isinstance(ids, list) or not ids or len(ids) > IDS_MAX or not all(isinstance(i, (str, int)) for i in ids):
        raise ApiError(400, "validation.format", _l("%(name)s must be a list of at most %(max)d texts.",
                                                    name="alertIds", max=IDS_MAX), "alertIds")
    state = domain.API_STATES.get(str(values.get("state") or "").upper())
    if state is None:
        raise ApiError(400, "validation.choice", _l("Choose a value from the list."), "state")
    found = domain.api_details(actor, [str(i) for i in ids])
    if len(found) != len(set(str(i) for i in ids)):
        raise ApiError(404, "not_found", _l("No such alert."), "alertIds")
    note = _note(values)
    for alert in found:
        domain.change_state(actor, alert, state, note)
    return {}


@bp.post("/svc/api/v1/add-note")
@api(domain.PERMISSION, envelope=False)
def add_note(actor):
    """Add a note to the alert alertId."""
    values = body()
    alert = domain.get_alert(actor, str(values.get("alertId") or ""))
    domain.add_note(actor, alert, _note(values))
    return {}
