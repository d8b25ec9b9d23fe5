"""The settings each org's devices receive, stored per org so that a heartbeat reads one row.

Working out a group's values walks the org chain (domain.settings.group_state); a heartbeat asks
for every group of its device each minute, so the answer is kept in OrgEffectiveSettings and
rewritten, in the same transaction, by every change that can alter it: an org's own values saved,
pushed or locked, inheritance turned on or off, an org created, moved, deactivated or reactivated.
A row that is missing (an org loaded in bulk, a database from before the table) is worked out and
stored the first time it is needed.
"""
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from webconsole.domain import settings_spec
from webconsole.extensions import db
from webconsole.models import Org, OrgEffectiveSettings, OrgSettings
from webconsole.models.base import utcnow

# Above this many orgs, reading every org_settings row beats an IN list of their ids.
_IN_LIMIT = 500
# Any constant shared by every process: the key of the PostgreSQL advisory lock refreshes take.
_REFRESH_LOCK = 0x5E77_1265


def chain_ids(path):
    """The ids of an org's chain, from the top down to the org itself, read from its path."""
    return [int(i) for i in path.strip("/").split("/")]


def decide(chain, rows):
    """{group: {"values", "locked", "source"}} for the last org of `chain` (ids, top down), given
    `rows` {(org id, group): (values, locked)}: the rule of settings.group_state, for every group.

    A lock above the org wins (its topmost locker's values, locked); otherwise the nearest org
    that owns the group decides, and its values are locked only when the org itself locked them.
    """
    org_id = chain[-1]
    groups = {}
    for group_key in settings_spec.GROUP_KEYS:
        locker = next((i for i in chain[:-1] if rows.get((i, group_key), (None, False))[1]), None)
        owner = locker or next((i for i in reversed(chain) if (i, group_key) in rows), None)
        values = rows[(owner, group_key)][0] if owner is not None else None
        locked = locker is not None or (owner == org_id and rows[(owner, group_key)][1])
        groups[group_key] = {"values": values, "locked": bool(locked), "source": owner}
    return groups


def _settings_rows(org_ids):
    stmt = select(OrgSettings.org_id, OrgSettings.group, OrgSettings.values, OrgSettings.locked)
    if len(org_ids) <= _IN_LIMIT:
        stmt = stmt.where(OrgSettings.org_id.in_(org_ids))
    return {(org_id, group): (values, locked) for org_id, group, values, locked in db.session.execute(stmt)}


def _insert():
    # Both dialects take INSERT ... ON CONFLICT, which the generic insert does not offer.
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(OrgEffectiveSettings)


def _upsert(rows):
    stmt = _insert()
    db.session.execute(stmt.on_conflict_do_update(index_elements=["org_id"], set_={
        "groups": stmt.excluded.groups, "updated_at": stmt.excluded.updated_at}), rows)


def refresh(org):
    """Rewrite the stored settings of `org` and every org below it (after a change at `org`).

    Refreshes take turns (a PostgreSQL advisory lock held to the end of the transaction), and each
    reads the settings after its turn comes: two admins saving at a parent and at its child at the
    same time cannot leave the child's row computed from the parent's old values.
    """
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(db.func.pg_advisory_xact_lock(_REFRESH_LOCK)))
    subtree = db.session.execute(select(Org.id, Org.path).where(
        Org.path.startswith(org.path, autoescape=True))).all()
    if not subtree:
        return
    ids = {i for _id, path in subtree for i in chain_ids(path)}
    rows = _settings_rows(ids)
    now = utcnow()
    _upsert([{"org_id": org_id, "groups": decide(chain_ids(path), rows), "updated_at": now}
             for org_id, path in subtree])


def compute_and_store(org_id, path):
    """Work out an org's settings from its chain and store them, unless another request just did."""
    chain = chain_ids(path)
    groups = decide(chain, _settings_rows(chain))
    db.session.execute(_insert().values(org_id=org_id, groups=groups, updated_at=utcnow())
                       .on_conflict_do_nothing(index_elements=["org_id"]))
    return groups


def values(group_key, stored):
    """A group's complete values from a stored entry: a setting nobody set takes its default."""
    return {**settings_spec.defaults(group_key), **(stored["values"] or {})}
