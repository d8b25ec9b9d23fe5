"""What a legal hold does to its custodians and their devices, from the memberships as they are read.

- Their devices' backup settings take the policy's where it keeps more (backs up more often, keeps
  finer versions, keeps deleted files longer), each such value saying "legal hold: MATTER"; the
  policy's file name exclusions replace the device's own (with several holds, only those they all
  share), and each hold adds a backup set of its own folders.
- Nothing is removed from their archives: every repository is append-only for them, so the agent
  does not forget or prune, and This server refuses deletions (only restic's locks go).
- They cannot be deactivated through any door, only blocked (code user.legal_hold), nor can their
  devices (device.legal_hold) or an organization that holds them.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select

from webconsole.domain.errors import ValidationError
from webconsole.domain.legal_hold import BACKUP_KEYS, HELD_SET, POLICY_DEFAULTS
from webconsole.domain.users import name_a_few
from webconsole.extensions import db
from webconsole.models import Custodian, Matter, PreservationPolicy, User


def _holding():
    """Active memberships of active matters."""
    return and_(Custodian.active.is_(True), Matter.status == "active")


def holds_of(user_id):
    """[(matter name, PreservationPolicy)] of the active matters holding the user, by matter name."""
    if user_id is None:
        return []
    return db.session.execute(
        select(Matter.name, PreservationPolicy).join(Custodian, Custodian.matter_id == Matter.id)
        .join(PreservationPolicy, PreservationPolicy.id == Matter.policy_id)
        .where(Custodian.user_id == user_id, _holding()).order_by(func.lower(Matter.name), Matter.id)).all()


def held_user_subquery(user_id_column):
    """SQL true when the user of `user_id_column` is held by an active matter."""
    return exists(select(Custodian.id).join(Matter, Matter.id == Custodian.matter_id)
                  .where(Custodian.user_id == user_id_column, _holding()))


def is_held(user_id):
    return user_id is not None and bool(db.session.scalar(select(held_user_subquery(user_id))))


def deactivation_refusal(user_ids, org=None):
    """A ValidationError (code user.legal_hold) naming the matters that hold any of `user_ids`, or None:
    a custodian of an active matter may be blocked, not deactivated."""
    rows = db.session.execute(
        select(User.username, Matter.name).join(Custodian, Custodian.user_id == User.id)
        .join(Matter, Matter.id == Custodian.matter_id).where(Custodian.user_id.in_(user_ids), _holding())
        .order_by(User.username, func.lower(Matter.name)).limit(10)).all()
    if not rows:
        return None
    matters = list(dict.fromkeys(name for _u, name in rows))
    users = list(dict.fromkeys(username for username, _m in rows))
    if org is not None:
        return ValidationError(
            _l("%(org)s cannot be deactivated: it holds users on legal hold (%(users)s, in %(matters)s). Remove "
               "them from the matters first.", org=org.name, users=name_a_few(users[:3], len(users)),
               matters=name_a_few(matters[:3], len(matters))), field=None, code="user.legal_hold")
    return ValidationError(
        _l("%(users)s cannot be deactivated while on legal hold (%(matters)s): block instead, or remove them "
           "from the matter first.", users=name_a_few(users[:3], len(users)),
           matters=name_a_few(matters[:3], len(matters))), field=None, code="user.legal_hold")


def device_refusal(device):
    """A ValidationError (code device.legal_hold) naming the matters that hold the device's user, or None:
    a held device keeps backing up, so it may be blocked, not deactivated."""
    matters = [name for name, _policy in holds_of(device.user_id)]
    if not matters:
        return None
    return ValidationError(_l("This device cannot be deactivated while its user is on legal hold (%(matters)s): "
                              "block it instead.", matters=name_a_few(matters[:3], len(matters))),
                           field=None, code="device.legal_hold")


def _longest_deleted(days):
    return float("inf") if days == 0 else days


def preserve(backup, holds, stored_destinations=()):
    """The backup group's values (`backup`: {key: value}) as a held user's device takes them, and
    {key: matter name} of the values a hold decided. `holds` is holds_of(...); `stored_destinations`
    the ids of destinations that keep backups, for the hold's own backup sets."""
    if not holds:
        return backup, {}
    values, decided = dict(backup), {}
    for name, policy in holds:
        kept = {**POLICY_DEFAULTS, **(policy.backup or {})}
        for key in BACKUP_KEYS:
            mine, theirs = values.get(key), kept[key]
            if key == "remove_deleted_days":
                wins = _longest_deleted(theirs) > _longest_deleted(mine if isinstance(mine, int) else 0)
            else:
                wins = isinstance(theirs, int) and (not isinstance(mine, int) or theirs < mine)
            if wins:
                values[key], decided[key] = theirs, name
    shared = None
    for _name, policy in holds:
        mine = list(policy.filename_exclusions or [])
        shared = mine if shared is None else [e for e in shared if e in mine]
    values["filename_exclusions"] = shared or []
    decided["filename_exclusions"] = ", ".join(name for name, _p in holds)
    sets = list(values.get("backup_sets") or [])
    destinations = sorted({d for s in sets for d in s.get("destinations", []) if d in stored_destinations}
                          | set(stored_destinations[:1]))
    for name, policy in holds:
        sets.append({"name": HELD_SET % name, "included_paths": list(policy.included_paths or []),
                     "excluded_paths": list(policy.excluded_paths or []), "destinations": destinations})
    values["backup_sets"] = sets
    decided["backup_sets"] = ", ".join(name for name, _p in holds)
    return values, decided


def stored_destination_ids():
    """Ids of the destinations that keep backups, This server first: where a hold's backup set goes."""
    from webconsole.domain.destinations import STORED_KINDS
    from webconsole.models import Destination

    rows = db.session.execute(select(Destination.id, Destination.kind).where(Destination.kind.in_(STORED_KINDS))
                              .order_by(Destination.kind != "local", Destination.id)).all()
    return [i for i, _k in rows]
