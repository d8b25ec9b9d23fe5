"""Cases, as the incydr SDK's cases v1 (/v1/cases) and py42's CasesService and CasesFileEventsService
(/api/v1/case, on the CASES_API-URL address: this console) and code42cli's `cases` commands use them. Bare JSON.

A case is numbered by its id; its subject and assignee are named by user UID. File events are named by their
source's event id, as the file-event search answers them. The same domain functions, scope and audit as the
browser's cases.
"""
import functools

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.blueprints.code42_api import bp
from webconsole.blueprints.code42_api.door import ApiError, api, body, flag, iso, number, numbered_page, text
from webconsole.blueprints.code42_api.shapes import in_order
from webconsole.domain import cases as domain
from webconsole.domain import event_query, events
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import catalog
from webconsole.extensions import db
from webconsole.models import Case, User

PERMISSION = domain.PERMISSION
STATUSES = {"open": "OPEN", "closed": "CLOSED"}
# The clients' sort keys, and the listing's sort of each.
SORTS = {"number": "number", "name": "name", "createdAt": "created_at", "updatedAt": "updated_at",
         "status": "status", "assigneeUsername": "assignee", "subjectUsername": "subject_username"}
NOBODY = str(2**62)  # an id no user has: a filter by an unknown UID matches no case
PAGE_MAX = 1000
# Names py42 looks for in a refusal to raise its own exception (Py42InvalidCaseUserError, ...).
NAMES = {("case.subject", "subject"): "INVALID_USER", ("case.assignee", "assignee"): "INVALID_USER",
         ("case.subject_fixed", "subject"): "INVALID_USER",
         ("validation.length", "description"): "DESCRIPTION_TOO_LONG", ("case.events", "events"): "INVALID_EVENT"}


def _named(view):
    """Answer a refused change with the name py42 looks for in the body (beside the code, message and field)."""
    @functools.wraps(view)
    def named(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except (ApiError, ValidationError) as error:
            db.session.rollback()
            found = {"code": error.code, "message": str(error.message)}
            if error.field:
                found["field"] = error.field
            if (error.code, error.field) in NAMES:
                found["name"] = NAMES[(error.code, error.field)]
            response = jsonify(error=found, data=None)
            response.status_code = getattr(error, "status", 400)
            return response
    return named


# -- shapes -------------------------------------------------------------------------------------------------

def _people(cases):
    ids = {i for c in cases for i in (c.subject_user_id, c.assignee_id, c.created_by) if i}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def case_shape(case, people, detail=True):
    """A case as the clients read it (CaseDetail with `detail`, else Case)."""
    subject, assignee, creator = (people.get(i) if i else None
                                  for i in (case.subject_user_id, case.assignee_id, case.created_by))
    shape = {"number": case.id, "name": case.name, "createdAt": iso(case.created_at), "updatedAt": iso(case.updated_at),
             "subject": subject.uid if subject else None, "subjectUsername": case.subject_username or None,
             "status": STATUSES.get(case.status, "OPEN"), "assignee": assignee.uid if assignee else None,
             "assigneeUsername": assignee.username if assignee else None,
             "createdByUserUid": creator.uid if creator else None,
             "createdByUsername": creator.username if creator else None,
             "lastModifiedByUserUid": None, "lastModifiedByUsername": None, "archivalTime": None}
    if detail:
        shape["description"], shape["findings"] = case.description, case.findings
    return shape


def _detail(case):
    return case_shape(case, _people([case]))


def _event_shape(event):
    """A file event attached to a case, abbreviated as the case's event list gives it."""
    return {"eventId": event.event_id, "eventTimestamp": iso(event.event_at),
            "exposure": events.exposure_names(event.exposure) if event.exposure else [],
            "fileAvailability": "NO_FILE_AVAILABLE", "fileName": event.file_name, "filePath": event.file_path,
            "riskIndicators": [{"name": str(i), "weight": None} for i in (event.risk_indicators or [])],
            "riskScore": event.risk_score,
            "riskSeverity": events.SEVERITIES[event.risk_severity] if 0 <= event.risk_severity < 5 else None}


# -- values -------------------------------------------------------------------------------------------------

def _user(values, name):
    """The user whose UID `values[name]` is, or None when it is absent or empty."""
    uid = text(name, 32, source=values) if not isinstance(values.get(name), int) else str(values[name])
    if not uid:
        return None
    user = db.session.scalar(select(User).where(User.uid == uid))
    if user is None:
        message = (_l("Enter the username of a user you can investigate.") if name == "subject"
                   else _l("Choose someone who may work on cases of this user."))
        raise ValidationError(message, field=name, code=f"case.{name}")
    return user


def _case(actor, case_number):
    """The case numbered so (digits of any length: a number no case has is a 404, like any other)."""
    return domain.get_case(actor, case_number if len(case_number) <= 20 else "")


# -- cases ------------------------------------------------------------------------------------------------

def _create(actor):
    values = body()
    subject, assignee = _user(values, "subject"), _user(values, "assignee")
    case = domain.create_case(actor, name=text("name", 1000, source=values) or "",
                              subject=subject.username if subject else "",
                              description=text("description", 2 * domain.TEXT_MAX, source=values) or "",
                              findings=text("findings", 2 * domain.TEXT_MAX, source=values) or "",
                              assignee_id=assignee.id if assignee else None)
    return _detail(case)


def _update(actor, case_number):
    """Change the whole case as sent (null name, description or findings keep theirs; a null assignee
    unassigns); its subject cannot change."""
    case = _case(actor, case_number)
    values = body()
    subject = _user(values, "subject")
    if subject is not None and subject.id != case.subject_user_id:
        raise ApiError(400, "case.subject_fixed", _l("The subject of a case cannot change."), "subject")
    status = values.get("status")
    if status is not None and (not isinstance(status, str) or status.lower() not in STATUSES):
        raise ApiError(400, "validation.choice", _l("Choose a value from the list."), "status")
    assignee = _user(values, "assignee")
    given = {k: text(k, limit, source=values) for k, limit in (("name", 1000), ("description", 2 * domain.TEXT_MAX),
                                                                ("findings", 2 * domain.TEXT_MAX))}
    domain.update_case(actor, case, assignee_id=assignee.id if assignee else None,
                       **{k: getattr(case, k) if v is None else v for k, v in given.items()})
    if status is not None:
        domain.set_status(actor, case, status.lower())
    return _detail(case)


def _id_filter(name):
    uid = text(name, 32)
    if not uid:
        return None
    return str(db.session.scalar(select(User.id).where(User.uid == uid)) or NOBODY)


def _list(actor):
    """A page (pgNum from 1, pgSize) of the cases `actor` reaches, sorted (srtKey, srtDir) and filtered."""
    page, size = number("pgNum", 1, 1, 10**9), number("pgSize", 100, 1, PAGE_MAX)
    sort = SORTS.get(request.args.get("srtKey") or "number")
    direction = (request.args.get("srtDir") or "asc").lower()
    if sort is None or direction not in ("asc", "desc"):
        raise ApiError(400, "validation.choice", _l("Choose a value from the list."),
                       "srtKey" if sort is None else "srtDir")
    if request.args.get("lastModifiedBy"):
        raise ApiError(400, "validation.unsupported", _l("The console does not keep %(name)s.",
                                                         name="lastModifiedBy"), "lastModifiedBy")
    status = (request.args.get("status") or "").lower()
    if status and status not in (*STATUSES, "archived"):
        raise ApiError(400, "validation.choice", _l("Choose a value from the list."), "status")
    if status == "archived":  # the console archives no case
        return {"cases": [], "totalCount": 0}
    assigned = flag("isAssigned")
    filters = {"status": status, "name": text("name", 100), "created": text("createdAt", 80),
               "updated": text("updatedAt", 80), "assignee": _id_filter("assignee"), "subject": _id_filter("subject"),
               "assigned": None if assigned is None else ("yes" if assigned else "no")}
    listing = catalog.CASES
    params = listing.params(sort=sort, dir=direction, filters={k: v for k, v in filters.items() if v})
    rows = numbered_page(listing, actor, params, page, size)
    found = in_order(Case, [r.id for r in rows])
    people = _people(found)
    return {"cases": [case_shape(c, people, detail=False) for c in found],
            "totalCount": listing.count(actor, params)[0]}


@bp.post("/v1/cases")
@api(PERMISSION, envelope=False)
@_named
def case_create(actor):
    """Open a case {"name", "subject" (UID), "assignee" (UID), "description", "findings"}."""
    return _create(actor)


@bp.get("/v1/cases")
@api(PERMISSION, envelope=False)
def case_list(actor):
    """A page of cases: {"cases", "totalCount"}."""
    return _list(actor)


@bp.get("/v1/cases/<case_number>")
@api(PERMISSION, envelope=False)
def case_get(actor, case_number):
    """One case (404 when it does not exist or is out of reach)."""
    return _detail(_case(actor, case_number))


@bp.put("/v1/cases/<case_number>")
@api(PERMISSION, envelope=False)
@_named
def case_update(actor, case_number):
    """Change a case {"name", "assignee", "description", "findings", "subject", "status"}."""
    return _update(actor, case_number)


@bp.delete("/v1/cases/<case_number>")
@api(PERMISSION, envelope=False)
def case_delete(actor, case_number):
    """Delete a case (its events stay stored)."""
    domain.delete_case(actor, _case(actor, case_number))
    return None


# -- py42's paths -------------------------------------------------------------------------------------------

@bp.post("/api/v1/case")
@api(PERMISSION, envelope=False)
@_named
def case_legacy_create(actor):
    """Open a case, as py42 asks."""
    return _create(actor)


@bp.get("/api/v1/case")
@api(PERMISSION, envelope=False)
def case_legacy_list(actor):
    """A page of cases, as py42 asks (subject and assignee by UID, createdAt and updatedAt as START/END)."""
    return _list(actor)


@bp.get("/api/v1/case/<case_number>")
@api(PERMISSION, envelope=False)
def case_legacy_get(actor, case_number):
    """One case."""
    return _detail(_case(actor, case_number))


@bp.put("/api/v1/case/<case_number>")
@api(PERMISSION, envelope=False)
@_named
def case_legacy_update(actor, case_number):
    """Change a case, as py42 sends it (the whole case)."""
    return _update(actor, case_number)


# -- file events of a case ---------------------------------------------------------------------------------

def _events_page(actor, case_number):
    case_ = _case(actor, case_number)
    page, size = number("pgNum", 1, 1, 10**6), number("pgSize", domain.CASE_EVENTS_MAX, 1, domain.CASE_EVENTS_MAX)
    found = domain.case_events(case_, limit=size, offset=(page - 1) * size) if page * size <= 2 * 10**6 else []
    return {"events": [_event_shape(e) for e in found], "totalCount": domain.event_count(case_)}


def _attach(actor, case_number, event_ids):
    """Attach the events named by their source ids; 404 naming the first one `actor` does not reach."""
    case_ = _case(actor, case_number)
    found = domain.events_by_source_id(actor, event_ids)
    missing = [e for e in event_ids if e not in found]
    if missing:
        raise ApiError(404, "not_found", f"{_l('No such file event.')} {missing[0][:128]}", "events")
    return case_, domain.add_events(actor, case_, [i for e in event_ids for i in found[e]])


def _one_event(actor, case_number, event_id):
    return domain.attached_event(_case(actor, case_number), event_id)


def _detach(actor, case_number, event_id):
    case_ = _case(actor, case_number)
    domain.remove_events(actor, case_, [domain.attached_event(case_, event_id).id])
    return None


def _event_detail(event):
    uids, guids = event_query.owners([event])
    return event_query.as_v2(event, uids, guids)


@bp.get("/v1/cases/<case_number>/fileevent")
@api(PERMISSION, envelope=False)
def case_events(actor, case_number):
    """A page (pgNum, pgSize) of the case's file events, newest first: {"events", "totalCount"}."""
    return _events_page(actor, case_number)


@bp.post("/v1/cases/<case_number>/fileevent")
@api(PERMISSION, envelope=False)
@_named
def case_add_events(actor, case_number):
    """Attach file events {"events": [event id...]}; those already attached stay so (a repeat changes nothing)."""
    raw = body().get("events")
    raw = [raw] if isinstance(raw, str) else raw
    if not isinstance(raw, list) or not raw or len(raw) > domain.EVENTS_MAX or \
            not all(isinstance(e, str) and 0 < len(e) <= 128 for e in raw):
        raise ApiError(400, "validation.format", _l("%(name)s must be a list of at most %(max)d texts.",
                                                    name="events", max=domain.EVENTS_MAX), "events")
    _attach(actor, case_number, list(dict.fromkeys(raw)))
    return {}


@bp.get("/v1/cases/<case_number>/fileevent/<event_id>")
@api(PERMISSION, envelope=False)
def case_event(actor, case_number, event_id):
    """One file event of the case, in full (the file-event search's v2 shape)."""
    return _event_detail(_one_event(actor, case_number, event_id))


@bp.delete("/v1/cases/<case_number>/fileevent/<event_id>")
@api(PERMISSION, envelope=False)
def case_remove_event(actor, case_number, event_id):
    """Detach a file event from the case (404 when it is not attached)."""
    return _detach(actor, case_number, event_id)


@bp.get("/api/v1/case/<case_number>/fileevent")
@api(PERMISSION, envelope=False)
def case_legacy_events(actor, case_number):
    """The case's file events, as py42 asks (all of them unless pgSize says otherwise)."""
    return _events_page(actor, case_number)


@bp.post("/api/v1/case/<case_number>/fileevent/<event_id>")
@api(PERMISSION, envelope=False)
@_named
def case_legacy_add_event(actor, case_number, event_id):
    """Attach one file event; CASE_ALREADY_HAS_EVENT when it already is (py42 raises its own error on it)."""
    if len(event_id) > 128:
        raise ApiError(404, "not_found", _l("No such file event."), "eventId")
    _found, added = _attach(actor, case_number, [event_id])
    if not added:
        raise ApiError(400, "case.already_has_event", "CASE_ALREADY_HAS_EVENT", "eventId")
    return {}


@bp.get("/api/v1/case/<case_number>/fileevent/<event_id>")
@api(PERMISSION, envelope=False)
def case_legacy_event(actor, case_number, event_id):
    """One file event of the case, in full."""
    return _event_detail(_one_event(actor, case_number, event_id))


@bp.delete("/api/v1/case/<case_number>/fileevent/<event_id>")
@api(PERMISSION, envelope=False)
def case_legacy_remove_event(actor, case_number, event_id):
    """Detach a file event from the case."""
    return _detach(actor, case_number, event_id)
