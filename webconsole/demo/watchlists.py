"""The demo's watchlists: a few departing and high-risk employees, chosen among the users whose demo
events include exposure, so that the quick filters have something to count."""
from datetime import timedelta

from sqlalchemy import select

from webconsole.domain import watchlists
from webconsole.extensions import db
from webconsole.models import FileEvent, User
from webconsole.models.base import utcnow

# (days until departure, notes) of the departing employees; (risk factors, notes) of the high-risk ones.
DEPARTING = [(0, "Last day today; laptop to be returned to IT."), (0, ""), (9, "Joining a competitor."),
             (21, "Contract not renewed."), (75, "Relocating; leaving after the handover.")]
HIGH_RISK = [(["flight_risk", "performance_concerns"], "Copied project folders to USB twice this month."),
             (["contract_employee", "elevated_access"], "Contractor with production access."),
             (["suspicious_system_activity"], "Uploads to a personal cloud account."),
             (["poor_security_practices", "high_impact_employee"], "")]


def _exposed_users(since, signins, limit):
    """Ids of ordinary users with an exposed event since `since` (a range of the event_at index)."""
    stmt = (select(FileEvent.user_id).where(FileEvent.event_at >= since, FileEvent.exposure != 0,
                                            FileEvent.user_id > signins)
            .distinct().limit(limit))
    return list(db.session.scalars(stmt))


def load_watchlists(admin, signins):
    """Put demo users on the two watchlists, as `admin` would, through the domain (so with history and audit)."""
    now = utcnow()
    recent = _exposed_users(now - timedelta(hours=24), signins, 4)
    month = [u for u in _exposed_users(now - timedelta(days=30), signins, 16) if u not in recent]
    ordinary = list(db.session.scalars(select(User.id).where(User.id > signins, User.status == "active")
                                       .order_by(User.id).limit(20)))
    pool = list(dict.fromkeys([*recent, *month, *ordinary]))
    if len(pool) < len(DEPARTING) + 2:
        return
    # Alternate so that both lists get users with recent exposure.
    departing, high_risk = pool[0::2][:len(DEPARTING)], pool[1::2][:len(HIGH_RISK)]
    today = now.date()
    for user_id, (days, notes) in zip(departing, DEPARTING, strict=False):
        watchlists.add_members(admin, "departing", [user_id], departure=today + timedelta(days=days), notes=notes)
    for user_id, (factors, notes) in zip(high_risk, HIGH_RISK, strict=False):
        watchlists.add_members(admin, "high_risk", [user_id], risk_factors=factors, notes=notes)
