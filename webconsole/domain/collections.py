"""Legal hold collections: a matter's custodians (or one of them), for an optional date range, gathered
into one package by a job (webconsole.jobs.collections), with who asked and, once built, its SHA-256."""
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.domain.dates import parse_day
from webconsole.domain.errors import ValidationError
from webconsole.domain.legal_hold import active_custodians, add_history, audit_matter
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import Collection, Job

FIRST_COLLECTED_DAY = date(1970, 1, 1)  # backups and file events carry Unix times


def _day(value, field, end=False):
    """A date from a form (in the console's locale, or YYYY-MM-DD) as the start of that day, or its last
    moment with `end`; None when empty."""
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value:
        return None
    day = parse_day(value, field=field, first=FIRST_COLLECTED_DAY)
    return datetime.combine(day, time.max if end else time.min)


def collection_choices(matter):
    """(id, username) of the matter's active custodians: whom a collection may be limited to."""
    return [(u.id, u.username) for u in active_custodians(matter)]


def start_collection(actor, matter, *, user_id=None, date_from="", date_to=""):
    """Collect every active custodian of `matter` (or the one `user_id`) for an optional date range,
    in a job; the Collection."""
    from webconsole.jobs import collections as collection_jobs  # jobs load this module

    since, until = _day(date_from, "date_from"), _day(date_to, "date_to", end=True)
    if since and until and since > until:
        raise ValidationError(_l("The range must end on or after its first day."), field="date_to",
                              code="validation.range")
    user = None
    if user_id not in (None, "", 0):
        found = active_custodians(matter, parse_id(user_id) or 0)
        if not found:
            raise ValidationError(_l("Choose a custodian from the list."), field="custodian",
                                  code="validation.choice")
        user = found[0]
    elif not active_custodians(matter):
        raise ValidationError(_l("Add custodians to the matter before collecting it."), field="custodian",
                              code="legalhold.no_custodians")
    collection = Collection(matter_id=matter.id, user_id=getattr(user, "id", None),
                            username=getattr(user, "username", ""), date_from=since, date_to=until,
                            requested_by=actor.id, requested_username=actor.username)
    db.session.add(collection)
    db.session.flush()
    add_history(matter, "Collection", actor, user)
    audit_matter("legalhold.collect", actor, matter, {"collection": collection.id,
                                                "custodian": getattr(user, "username", "all"),
                                                # As YYYY-MM-DD, however the dates were typed.
                                                "from": since.date().isoformat() if since else "",
                                                "to": until.date().isoformat() if until else ""})
    db.session.commit()
    job = collection_jobs.start(actor, matter, collection)
    collection.job_id = job.id
    db.session.commit()
    return collection


def collections_of(matter, limit=100):
    """(Collection, Job or None) of a matter, newest first."""
    return db.session.execute(select(Collection, Job).outerjoin(Job, Job.id == Collection.job_id)
                              .where(Collection.matter_id == matter.id)
                              .order_by(Collection.id.desc()).limit(limit)).all()
