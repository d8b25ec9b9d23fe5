"""Demo alert rules, and the alerts the demo's file events raise under them.

The rules are added after the events are loaded and evaluated once over all of them, so the demo
loader pays one window query per (rule, user) rather than one per batch; the result depends on the
seeded events only, so it is the same on every load.
"""
from sqlalchemy import func, select

from webconsole.domain import alert_evaluation, alert_rules
from webconsole.domain.events import EXPOSURE_BITS
from webconsole.extensions import db
from webconsole.models import FileEvent, WatchlistMember

RULES = [
    {"name": "Copies to removable media", "severity": "high", "vector": "removable_media", "threshold_kind": "files",
     "threshold": "5", "window_amount": "7", "window_unit": "days", "watch": "everyone",
     "description": "Many files copied to USB drives in a week."},
    {"name": "Departing employee exfiltration", "severity": "critical", "vector": "any", "threshold_kind": "files",
     "threshold": "5", "window_amount": "7", "window_unit": "days", "watch": "departing",
     "recipients": "security@example.com", "description": "Departing Employees moving files out."},
    {"name": "Large uploads", "severity": "medium", "vector": "upload", "threshold_kind": "bytes",
     "threshold": str(20 * 1024**3), "window_amount": "12", "window_unit": "hours", "watch": "everyone"},
    {"name": "Spreadsheets to personal cloud", "severity": "low", "vector": "cloud_sync",
     "categories": ["Spreadsheet"], "threshold_kind": "files", "threshold": "1", "window_amount": "7",
     "window_unit": "days", "watch": "everyone"},
]
DEPARTING = 2  # the users with the most copies to removable media are on Departing Employees


def load_alerts(admin):
    """Add the demo rules, put the heaviest copiers on Departing Employees, and raise the alerts."""
    for values in RULES:
        alert_rules.create_rule(admin, values)
    usb = FileEvent.exposure.op("&")(EXPOSURE_BITS["RemovableMedia"]) != 0
    copiers = db.session.scalars(select(FileEvent.user_id).where(usb, FileEvent.user_id.is_not(None))
                                 .group_by(FileEvent.user_id).order_by(func.count().desc(), FileEvent.user_id)
                                 .limit(DEPARTING)).all()
    listed = set(db.session.scalars(select(WatchlistMember.user_id).where(WatchlistMember.watchlist == "departing")))
    db.session.add_all(WatchlistMember(watchlist="departing", user_id=u, added_by=admin.id)
                       for u in copiers if u not in listed)
    db.session.commit()
    last = db.session.scalar(select(func.max(FileEvent.id)))
    return alert_evaluation.evaluate_range(1, last) if last else []
