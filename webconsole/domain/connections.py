"""Data connections: cloud services and webhooks that post file events to an ingest URL of their own.

Each connection has a random key (the public part of its URL) and a secret token, of which only a
SHA-256 hash is kept: the token is shown once, when it is made, and rotating it makes a new one.
Events posted there go through the parser every door shares (events.parse_event). Like an agent's
batch, a request is validated whole and stored in one transaction, under the origin
"c<connection id>" (so resending is safe) with the connection's kind as their source: a request
with a bad event stores nothing, its answer lists every bad event with the reason, and the newest
reasons are kept for the connection's page.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from webconsole.domain import audit, events
from webconsole.domain.errors import DomainError, NotFound, ValidationError
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import DataConnection, IngestError, User
from webconsole.models.base import utcnow


@dataclass(frozen=True)
class Kind:
    label: object
    source: str  # the file events' source (events.SOURCES)
    help: object


KINDS = {
    "google_drive": Kind(_l("Google Drive"), "GoogleDrive",
                         _l("File activity and sharing changes in Google Drive.")),
    "onedrive": Kind(_l("Microsoft OneDrive"), "OneDrive", _l("File activity and sharing changes in OneDrive.")),
    "box": Kind(_l("Box"), "Box", _l("File activity and sharing changes in Box.")),
    "gmail": Kind(_l("Gmail"), "Gmail", _l("Attachments sent by e-mail from Gmail.")),
    "microsoft365": Kind(_l("Microsoft 365 e-mail"), "Office365",
                         _l("Attachments sent by e-mail from Microsoft 365.")),
    "webhook": Kind(_l("Webhook"), "Webhook", _l("Any system that can post file events in the v1 format.")),
}
STATUSES = ("active", "paused", "removed")
TOKEN_PREFIX = "wcdc_"
ERRORS_KEPT = 50  # newest ingest errors kept per connection
ERRORS_PER_REQUEST = 10  # refused events of one request that are written to the error list


class IngestRefused(DomainError):
    """The request is refused and nothing of it stored; `status` is the HTTP status, `code` the JSON
    error code and `details` more of the JSON error (the bad events)."""

    def __init__(self, message, status, code, details=None):
        super().__init__(message, (details or {}).get("field"), code)
        self.status, self.details = status, details or {}


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(connection):
    """Give `connection` a new secret token; the token, which is not stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    connection.token_hash, connection.token_hint, connection.token_created_at = _hash(token), token[-4:], utcnow()
    return token


def _clean_name(name, current=None):
    name = " ".join((name or "").split())
    if not 3 <= len(name) <= 100:
        raise ValidationError(_l("Enter a name of %(min)d to %(max)d characters.", min=3, max=100), field="name",
                              code="validation.length")
    taken = select(DataConnection.id).where(func.lower(DataConnection.name) == name.lower(),
                                            DataConnection.status != "removed")
    if current is not None:
        taken = taken.where(DataConnection.id != current.id)
    if db.session.scalar(taken) is not None:
        raise ValidationError(_l("A data connection with this name already exists."), field="name",
                              code="connection.name_taken")
    return name


def _clean_description(description):
    description = (description or "").strip()
    if len(description) > 1000:
        raise ValidationError(_l("Enter at most %(max)d characters.", max=1000), field="description",
                              code="validation.length")
    return description


def connection_list(actor, params):
    """Select of data connections for their list; removed ones only when the status filter asks."""
    stmt = select(DataConnection.id, DataConnection.name, DataConnection.kind, DataConnection.status,
                  DataConnection.last_event_at, DataConnection.events_received, DataConnection.events_rejected,
                  DataConnection.created_at)
    status = params.filters.get("status")
    if status:
        if status not in STATUSES:
            raise ValidationError(_l("Choose a value from the list."), field="status", code="validation.choice")
        stmt = stmt.where(DataConnection.status == status)
    else:
        stmt = stmt.where(DataConnection.status != "removed")
    kind = params.filters.get("kind")
    if kind:
        if kind not in KINDS:
            raise ValidationError(_l("Choose a value from the list."), field="kind", code="validation.choice")
        stmt = stmt.where(DataConnection.kind == kind)
    if params.q:
        stmt = stmt.where(DataConnection.name.icontains(params.q, autoescape=True))
    return stmt


def get_connection(connection_id):
    """The data connection with this id, or NotFound."""
    connection = db.session.get(DataConnection, connection_id)
    if connection is None:
        raise NotFound(_l("No such data connection."))
    return connection


def recent_errors(connection, limit=20):
    """The newest ingest errors of a connection, newest first."""
    return db.session.scalars(select(IngestError).where(IngestError.connection_id == connection.id)
                              .order_by(IngestError.id.desc()).limit(limit)).all()


def create_connection(actor, *, name, kind, description=""):
    """A new active connection; (connection, token): the token is shown once and not kept."""
    if kind not in KINDS:
        raise ValidationError(_l("Choose a value from the list."), field="kind", code="validation.choice")
    connection = DataConnection(name=_clean_name(name), kind=kind, description=_clean_description(description),
                                key=secrets.token_hex(16), status="active", created_by=actor.id,
                                events_received=0, events_rejected=0)
    token = _new_token(connection)
    db.session.add(connection)
    db.session.flush()
    _audit("connection.create", actor, connection, {"kind": kind})
    db.session.commit()
    return connection, token


def update_connection(actor, connection, *, name, description):
    """Rename a connection or change its description."""
    _not_removed(connection)
    before = {"name": connection.name, "description": connection.description}
    connection.name, connection.description = _clean_name(name, connection), _clean_description(description)
    changes = {k: [v, getattr(connection, k)] for k, v in before.items() if v != getattr(connection, k)}
    if changes:
        _audit("connection.update", actor, connection, changes)
    db.session.commit()


def set_paused(actor, connection, paused):
    """Pause a connection (its senders are refused until it is resumed) or resume it."""
    _not_removed(connection)
    status = "paused" if paused else "active"
    if connection.status != status:
        connection.status = status
        _audit("connection.pause" if paused else "connection.resume", actor, connection)
    db.session.commit()


def rotate_token(actor, connection):
    """Replace a connection's token; the new token, shown once. The old one stops working at once."""
    _not_removed(connection)
    token = _new_token(connection)
    _audit("connection.rotate", actor, connection)
    db.session.commit()
    return token


def remove_connection(actor, connection):
    """Stop a connection for good: its URL and token stop working; the events it brought stay."""
    _not_removed(connection)
    connection.status, connection.removed_at = "removed", utcnow()
    connection.token_hash = ""  # no token hashes to the empty string
    _audit("connection.remove", actor, connection)
    db.session.commit()


def _not_removed(connection):
    if connection.status == "removed":
        raise ValidationError(_l("This data connection has been removed."), code="connection.removed")


def _audit(event_type, actor, connection, details=None):
    audit.record(event_type, actor=actor, object_type="data_connection", object_id=str(connection.id),
                 object_label=connection.name, details=details)


def origin_name(origin):
    """The name of the connection that brought events of this origin ("c12"), or None for other origins."""
    number = parse_id(origin[1:]) if origin and origin.startswith("c") else None
    if number:
        return db.session.scalar(select(DataConnection.name).where(DataConnection.id == number))
    return None


# -- ingest ---------------------------------------------------------------------------------------

def authenticate(key, token):
    """The connection whose URL key is `key`, if `token` is its token; IngestRefused otherwise."""
    connection = db.session.scalar(select(DataConnection).where(DataConnection.key == key)) if key else None
    if connection is None or connection.status == "removed":
        raise IngestRefused("no such data connection", 404, "not_found")
    if not token or not hmac.compare_digest(_hash(token), connection.token_hash):
        # Nothing of the connection changes: its address is no secret, and a stranger must not fill its
        # error list or its counts. The refusal goes to the audit log, rate-limited per address.
        audit.record_refusal("ingest_credential", object_type="connection", object_id=str(connection.id))
        raise IngestRefused("the bearer token is missing or wrong for this connection", 401, "unauthorized")
    return connection


def ingest(connection, items):
    """Store the events of one request posted to `connection`; the JSON answer.

    `items` is the request's list of events (None when the body was not {"events": [...]}), of at most
    events.BATCH_LIMIT events, all valid: one bad event refuses the request, naming every bad one (index,
    id, field, reason). An event id already stored for this connection counts as a duplicate.
    """
    if not isinstance(items, list):
        note_refusal(connection, 'the body must be a JSON object {"events": [...]}')
        raise IngestRefused('the body must be a JSON object {"events": [...]}', 400, "invalid_request")
    if connection.status == "paused":
        note_refusal(connection, "the connection is paused", events=len(items))
        raise IngestRefused("this data connection is paused; send the events again once it is resumed",
                            409, "paused")
    if len(items) > events.BATCH_LIMIT:
        note_refusal(connection, f"{len(items)} events in one request; at most {events.BATCH_LIMIT}",
                     events=len(items))
        raise IngestRefused(f"a request holds at most {events.BATCH_LIMIT} events", 413, "too_many_events")
    rows, rejected = [], []
    for n, raw in enumerate(items):
        try:
            rows.append(events.parse_event(raw))
        except events.InvalidEvent as error:
            event_id = raw.get("eventId") if isinstance(raw, dict) and isinstance(raw.get("eventId"), str) else None
            field = f"events[{n}]" + (f".{error.field}" if error.field else "")
            rejected.append({"index": n, "eventId": event_id, "field": field, "message": str(error)})
    if rejected:
        _note_bad_events(connection, rejected, len(items))
        first = rejected[0]
        raise IngestRefused(f"{first['field']}: {first['message']}" + (
            f" (and {len(rejected) - 1} more bad events)" if len(rejected) > 1 else ""), 400, "invalid_events",
            {"field": first["field"], "rejected": rejected[:events.BATCH_LIMIT]})
    _fill_owners(rows)
    stored, duplicates = events.store(rows, connection.origin, {"source": KINDS[connection.kind].source,
                                                                "device_id": None})
    _count_received(connection, stored, received_any=bool(rows))
    return {"received": stored + duplicates, "stored": stored, "duplicates": duplicates}


def _fill_owners(rows):
    """Set user and org of each event whose deviceUserName names a console user (case aside)."""
    names = {row["username"].lower() for row in rows if row["username"]}
    owners = {}
    if names:
        owners = {username.lower(): (user_id, org_id) for user_id, username, org_id in db.session.execute(
            select(User.id, User.username, User.org_id).where(func.lower(User.username).in_(names)))}
    for row in rows:
        row["user_id"], row["org_id"] = owners.get(row["username"].lower(), (None, None))


def _count_received(connection, stored, received_any):
    # Counters move by SQL arithmetic, so simultaneous requests never lose each other's counts.
    values = {"events_received": DataConnection.events_received + stored}
    if received_any:
        values["last_event_at"] = utcnow()
    db.session.execute(update(DataConnection).where(DataConnection.id == connection.id).values(**values))
    db.session.commit()


def _note_bad_events(connection, rejected, count):
    """Count a request refused for its bad events (all `count` of its events) and keep the first reasons."""
    db.session.execute(update(DataConnection).where(DataConnection.id == connection.id)
                       .values(events_rejected=DataConnection.events_rejected + count))
    for item in rejected[:ERRORS_PER_REQUEST]:
        db.session.add(IngestError(connection_id=connection.id, event_id=(item["eventId"] or "")[:128],
                                   message=f"{item['field']}: {item['message']}"[:500]))
    _trim_errors(connection)
    db.session.commit()


def note_refusal(connection, message, events=1):
    """Count a refused request (`events` events) against the connection and keep the reason."""
    db.session.execute(update(DataConnection).where(DataConnection.id == connection.id)
                       .values(events_rejected=DataConnection.events_rejected + events))
    db.session.add(IngestError(connection_id=connection.id, message=message[:500]))
    _trim_errors(connection)
    db.session.commit()


def _trim_errors(connection):
    db.session.flush()
    oldest_kept = db.session.scalar(select(IngestError.id).where(IngestError.connection_id == connection.id)
                                    .order_by(IngestError.id.desc()).offset(ERRORS_KEPT - 1).limit(1))
    if oldest_kept is not None:
        db.session.execute(delete(IngestError).where(IngestError.connection_id == connection.id,
                                                     IngestError.id < oldest_kept))
