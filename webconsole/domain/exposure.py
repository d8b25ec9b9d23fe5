"""Risk Exposure: file events by exposure vector over a period, with the users and categories behind them.

Each vector is a condition on file events, and each figure links to the Forensic Search that
lists its events (`search_args`), so a number on the dashboard is never a dead end.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select

from webconsole.domain import events
from webconsole.domain.forensics import RANGES
from webconsole.domain.scope import restrict, scope_for
from webconsole.extensions import db
from webconsole.models import FileEvent
from webconsole.models.base import utcnow

PERIODS = ("P7D", "P30D", "P90D")
DEFAULT_PERIOD = "P30D"
TOP = 10
SHARES = ("SharedViaLink", "SharedToDomain", "IsPublic", "OutsideTrustedDomains")


def _bit(*names):
    return FileEvent.exposure.op("&")(sum(events.EXPOSURE_BITS[n] for n in names)) != 0


@dataclass(frozen=True)
class Vector:
    key: str
    label: object
    condition: object
    rows: tuple  # Forensic Search rows (field, operator, value) that list the vector's events
    match: str = "all"


VECTORS = (
    Vector("removable", _l("Removable media"), _bit("RemovableMedia"), (("exposure", "is", "RemovableMedia"),)),
    Vector("sync", _l("Cloud sync"), _bit("CloudStorage"), (("exposure", "is", "CloudStorage"),)),
    Vector("upload", _l("Browser or app upload"), _bit("ApplicationRead"), (("exposure", "is", "ApplicationRead"),)),
    Vector("email", _l("E-mail"), FileEvent.event_type == "EMAILED", (("eventType", "is", "EMAILED"),)),
    Vector("share", _l("Cloud share"), _bit(*SHARES), tuple(("exposure", "is", s) for s in SHARES), "any"),
)
EXPOSED = or_(FileEvent.exposure != 0, FileEvent.event_type == "EMAILED")


def search_args(period, rows=(), match="all"):
    """Forensic Search URL arguments for the period and filter rows."""
    args = {"range": period}
    if match != "all":
        args["match"] = match
    for n, (field, operator, value) in enumerate(rows, start=1):
        args.update({f"f{n}": field, f"o{n}": operator, f"v{n}": value})
    return args


@dataclass
class Board:
    period: str
    days: list
    series: list  # [{"name", "values"}] per vector, one value per day
    totals: list  # [(Vector, events, bytes, search args)]
    users: list  # [(username, events, bytes, search args)]
    categories: list  # [(category, events, bytes, search args)]


def board(actor, period, now=None, user=None):
    """The Risk Exposure board for `period` (a key of PERIODS), within what `actor` may search;
    with `user`, that user's events only (their User Activity)."""
    period = period if period in PERIODS else DEFAULT_PERIOD
    now = now or utcnow()
    start = now - RANGES[period][1]

    def scoped(stmt, exposed=EXPOSED):
        stmt = stmt.where(FileEvent.event_at >= start, FileEvent.event_at < now, exposed)
        if user is not None:
            stmt = stmt.where(FileEvent.user_id == user.id)
        return restrict(stmt, scope_for(actor, "forensics.search"), org_column=FileEvent.org_id,
                        user_column=FileEvent.user_id)

    day = func.date(FileEvent.event_at)
    counts = [func.sum(case((v.condition, 1), else_=0)).label(v.key) for v in VECTORS]
    sizes = [func.sum(case((v.condition, FileEvent.file_size), else_=0)).label(f"{v.key}_bytes") for v in VECTORS]
    per_day = {str(row.day)[:10]: row for row in db.session.execute(
        scoped(select(day.label("day"), *counts).group_by(day)))}
    days = [(start + timedelta(days=n)).date().isoformat() for n in range((now.date() - start.date()).days + 1)]
    series = [{"name": str(v.label), "values": [int(getattr(per_day[d], v.key) or 0) if d in per_day else 0
                                                 for d in days]} for v in VECTORS]
    whole = db.session.execute(scoped(select(*counts, *sizes))).one()
    mine = (("deviceUserName", "is", user.username),) if user is not None else ()
    totals = [(v, int(getattr(whole, v.key) or 0), int(getattr(whole, f"{v.key}_bytes") or 0),
               search_args(period, (*mine, *v.rows), v.match)) for v in VECTORS]
    exposed_rows = (("exposure", "exists", ""),)

    def top(column, field):
        # Events with an exposure type, so that each figure is what its Forensic Search lists.
        stmt = scoped(select(column.label("name"), func.count().label("n"),
                             func.coalesce(func.sum(FileEvent.file_size), 0).label("bytes"))
                      .where(column != "").group_by(column).order_by(func.count().desc(), column).limit(TOP),
                      exposed=FileEvent.exposure != 0)
        return [(row.name, row.n, int(row.bytes), search_args(period, ((field, "is", row.name), *exposed_rows)))
                for row in db.session.execute(stmt)]

    return Board(period, days, series, totals, top(FileEvent.username, "deviceUserName"),
                 top(FileEvent.file_category, "fileCategory"))
