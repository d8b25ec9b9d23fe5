"""The demo's case: the analyst's investigation of one user's copies to removable media."""
from sqlalchemy import select

from webconsole.domain import cases
from webconsole.extensions import db
from webconsole.models import FileEvent, User

ANALYST = "analyst@example.com"
EVENTS = 8


def load_demo_case(first_user_id):
    """Open a case about the first user (from `first_user_id` on) with removable-media events, or about
    that user with none when no events were loaded; the Case."""
    analyst = db.session.scalar(select(User).where(User.username == ANALYST))
    subject_id = db.session.scalar(select(FileEvent.user_id).where(
        FileEvent.user_id >= first_user_id, FileEvent.removable_media.is_not(None)).order_by(FileEvent.id).limit(1))
    subject = db.session.get(User, subject_id or first_user_id)
    if analyst is None or subject is None:
        return None
    event_ids = db.session.scalars(select(FileEvent.id).where(FileEvent.user_id == subject.id)
                                   .order_by(FileEvent.id).limit(EVENTS)).all()
    case = cases.create_case(
        analyst, name="Copies to USB before notice period", subject=subject.username, assignee_id=analyst.id,
        description="Opened after a spike of copies to removable media in the last week.", events=event_ids)
    cases.update_case(analyst, case, name=case.name, description=case.description, assignee_id=analyst.id,
                      findings="Several project documents were copied to an unencrypted USB drive. "
                               "Manager informed; device to be returned on the last day.")
    return case
