"""The administration dashboard: aggregate counts over what the signed-in user may see."""
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Date, delete, func, insert, literal, select

from webconsole.domain import backup_alerts
from webconsole.domain.scope import restrict, scope_for
from webconsole.extensions import db
from webconsole.models import BackupState, Destination, Device, Org, OrgDestinationTotals, StorageUsage, User
from webconsole.models.base import utcnow

TREND_DAYS = 30


@dataclass
class Dashboard:
    users: int = 0
    devices: int = 0
    connected_24h: int = 0
    alerts: dict = field(default_factory=dict)  # {0: n OK, 1: n Warning, 2: n Critical}
    destinations: list = field(default_factory=list)  # [{"name", "capacity", "used", "devices"}]
    trend: dict = field(default_factory=dict)  # {"days": [iso], "series": [{"name", "values": [bytes]}]}

    @property
    def stored(self):
        return sum(d["used"] for d in self.destinations)


def dashboard(actor, today=None):
    """Counts, alert levels, storage per destination and its trend, within the actor's scope."""
    scope = scope_for(actor, "dashboard.view")
    now = utcnow()
    per_org = backup_alerts.count_by_level(_orgs_within(scope), now)
    levels = (backup_alerts.OK, backup_alerts.WARNING, backup_alerts.CRITICAL)
    counts = {lvl: sum(c[lvl] for c in per_org.values()) for lvl in levels}
    recent = restrict(select(func.count()).select_from(Device).where(
        Device.status == "active", Device.last_connected >= now - timedelta(hours=24)),
        scope, org_column=Device.org_id, user_column=Device.user_id)
    users = restrict(select(func.count()).select_from(User).where(User.status == "active"), scope,
                     org_column=User.org_id, user_column=User.id)
    board = Dashboard(users=db.session.scalar(users), devices=sum(counts.values()),
                      connected_24h=db.session.scalar(recent), alerts=counts)
    board.destinations = _destinations(scope)
    board.trend = _trend(scope, today or now.date(), board.destinations)
    return board


def _orgs_within(scope):
    """A select of the ids of the orgs a scope reaches (None: all of them): a subquery, never a list
    of ids (an org admin over 20 000 orgs would pass SQLite's parameter limit)."""
    if scope.kind == "all":
        return None
    return restrict(select(Org.id), scope, org_column=Org.id)


def destination_usage(actor):
    """Each destination with its capacity and what the actor's devices store there."""
    return _destinations(scope_for(actor, "dashboard.view"))


def _destinations(scope):
    # Every archive counts, a deactivated device's included: it occupies the destination until purged.
    # Scopes of whole orgs read the per-org totals the database keeps (OrgDestinationTotals); one user's
    # scope sums that user's backup states.
    if scope.kind in ("all", "subtree"):
        totals = OrgDestinationTotals
        used = restrict(select(totals.destination_id, func.sum(totals.archive_bytes), func.sum(totals.devices)),
                        scope, org_column=totals.org_id).group_by(totals.destination_id)
    else:
        used = restrict(select(BackupState.destination_id, func.sum(BackupState.archive_bytes), func.count())
                        .join(Device, Device.id == BackupState.device_id), scope,
                        org_column=Device.org_id, user_column=Device.user_id).group_by(BackupState.destination_id)
    by_id = {dest_id: (total or 0, n) for dest_id, total, n in db.session.execute(used)}
    return [{"id": d.id, "name": d.name, "kind": d.kind, "location": d.location, "capacity": d.capacity_bytes,
             "used": by_id.get(d.id, (0, 0))[0], "devices": by_id.get(d.id, (0, 0))[1]}
            for d in db.session.scalars(select(Destination).order_by(Destination.name))]


def _trend(scope, today, destinations):
    first = today - timedelta(days=TREND_DAYS - 1)
    stmt = restrict(select(StorageUsage.day, StorageUsage.destination_id, func.sum(StorageUsage.archive_bytes))
                    .where(StorageUsage.day >= first, StorageUsage.day < today)
                    .group_by(StorageUsage.day, StorageUsage.destination_id),
                    scope, org_column=StorageUsage.org_id)
    known = {(day, dest): total for day, dest, total in db.session.execute(stmt)}
    days = [first + timedelta(days=n) for n in range(TREND_DAYS)]
    series = []
    for dest in destinations:
        values = [known.get((day, dest["id"])) for day in days[:-1]] + [dest["used"]]  # today: live
        series.append({"name": dest["name"], "values": [int(v) if v is not None else None for v in values]})
    return {"days": [d.isoformat() for d in days], "series": series}


def record_storage_usage(day=None):
    """Store (or replace) one day's storage use per org and destination; run daily (flask record-usage)."""
    day = day or utcnow().date()
    db.session.execute(delete(StorageUsage).where(StorageUsage.day == day))
    totals = (select(literal(day, Date), Device.org_id, BackupState.destination_id,
                     func.coalesce(func.sum(BackupState.archive_bytes), 0), func.count())
              .join(Device, Device.id == BackupState.device_id)
              .where(Device.status == "active")
              .group_by(Device.org_id, BackupState.destination_id))
    db.session.execute(insert(StorageUsage).from_select(
        ["day", "org_id", "destination_id", "archive_bytes", "devices"], totals))
    db.session.commit()

