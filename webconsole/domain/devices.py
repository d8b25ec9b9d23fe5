"""Devices: what a signed-in user may see of them, and their backup summary."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, union_all

from webconsole.domain import audit, backup_alerts
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.queries import filter_by, matching_ids, org_subtree, text_matches
from webconsole.domain.scope import reaches, restrict, scope_for
from webconsole.domain.users import refresh_user_totals
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import Device, Org, User
from webconsole.store.id_lists import id_table


def device_list(actor, params, permission="devices.view"):
    """Select of the devices `actor` may view, with owner and org, filtered by a search (the `devices` and
    `report-devices` listings, whose filters are typed: `org` an id, `alert` a level's name)."""
    grouped = backup_alerts.thresholds()
    columns = (Device.id, Device.guid, Device.name, Device.hostname, Device.os, Device.os_version,
               Device.agent_version, Device.status, Device.last_connected, Device.last_completed_backup,
               Device.percent_complete, Device.selected_bytes, Device.archive_bytes,
               User.username, Org.name.label("org_name"),
               backup_alerts.level_expression(grouped).label("alert_level"))
    # The join order decides SQLite's plan. Sorting by the owner or the org walks that table's
    # index and each one's devices by (user_id, id) / (org_id, id); any other sort walks the devices
    # index, with LEFT JOINs keeping devices the outer loop (an inner join lets SQLite start from
    # the small orgs table and sort every device: 500 ms instead of 13 ms at 200 000 devices).
    if params.sort == "username":
        stmt = (select(*columns).select_from(User).join(Device, Device.user_id == User.id)
                .outerjoin(Org, Device.org_id == Org.id))
    elif params.sort == "org_name":
        stmt = (select(*columns).select_from(Org).join(Device, Device.org_id == Org.id)
                .outerjoin(User, Device.user_id == User.id))
    else:
        stmt = (select(*columns).select_from(Device).outerjoin(User, Device.user_id == User.id)
                .outerjoin(Org, Device.org_id == Org.id))
    stmt = restrict(stmt, scope_for(actor, permission), org_column=Device.org_id, user_column=Device.user_id)
    if params.q:
        stmt = stmt.where(_matches(params.q))
    f = params.filters
    if f.get("org"):
        stmt = stmt.where(Device.org_id.in_(org_subtree(f["org"])))
    if f.get("alert"):
        stmt = stmt.where(backup_alerts.level_condition(f["alert"], grouped))
    if f.get("user"):
        stmt = stmt.where(Device.user_id == f["user"])
    if f.get("active"):
        active = f["active"] == "yes"
        stmt = stmt.where((Device.status != "deactivated") if active else (Device.status == "deactivated"))
    if f.get("blocked"):
        stmt = stmt.where((Device.status == "blocked") if f["blocked"] == "yes" else (Device.status != "blocked"))
    if f.get("guid"):
        stmt = stmt.where(Device.guid == f["guid"])
    return filter_by(stmt, f, {"status": Device.status, "os": Device.os})


def _matches(q):
    """Devices whose name or hostname, owner's name or username contains `q`, or whose GUID it is.

    When the trigram indexes find few devices and few owners (a rare term, or none), the answer is
    those devices' ids, which the list looks up and sorts: an OR of the three tests would instead
    walk the whole sort index, testing each device (0.9 s at 200 000 devices for a term found nowhere).
    """
    devices, owners = matching_ids(Device, q), matching_ids(User, q)
    if devices is None or owners is None:
        return or_(text_matches(Device, q), text_matches(User, q), Device.guid == q)
    found = union_all(id_table(devices), select(Device.id).where(Device.user_id.in_(id_table(owners))),
                      select(Device.id).where(Device.guid == q))
    return Device.id.in_(found)


def devices_of(user_id):
    """Select of one user's own devices, newest connection first (My Profile)."""
    return (select(Device).where(Device.user_id == user_id)
            .order_by(Device.last_connected.desc().nulls_last(), Device.id))


def backup_summary(devices):
    """Totals over a user's active devices: how many, bytes selected and stored, last completed backup."""
    active = [d for d in devices if d.status == "active"]
    return {
        "devices": len(active),
        "selected_bytes": sum(d.selected_bytes for d in active),
        "archive_bytes": sum(d.archive_bytes for d in active),
        "last_completed_backup": max((d.last_completed_backup for d in active if d.last_completed_backup),
                                     default=None),
    }


def get_device(actor, device_id, permission="devices.view"):
    """The device with this id (a number, or its digits from a query string) if `actor` may reach it with
    `permission`; NotFound otherwise."""
    number = parse_id(device_id)
    device = db.session.get(Device, number) if number else None
    if device is None or not reaches(scope_for(actor, permission), device.org, device.user_id):
        raise NotFound(_l("No such device."))
    return device


def rename_device(actor, device_id, name):
    """Give a device a new display name (its hostname stays)."""
    device = get_device(actor, device_id, "devices.edit")
    name = " ".join((name or "").split())
    if not name or len(name) > 255:
        raise ValidationError(_l("Enter a name of 1 to 255 characters."), field="name", code="validation.length")
    changed = audit.changes(device, {"name": name})
    if changed:
        audit.record("device.rename", actor=actor, obj=device, details={"changes": changed})
    db.session.commit()
    return device


# action -> (statuses it applies to, the status it leads to)
TRANSITIONS = {
    "deactivate": ({"active", "blocked", "deauthorized"}, "deactivated"),
    "reactivate": ({"deactivated"}, "active"),
    "block": ({"active"}, "blocked"),
    "unblock": ({"blocked"}, "active"),
    "deauthorize": ({"active", "blocked"}, "deauthorized"),
}


def allowed_actions(device):
    """The status changes that apply to a device as it is now."""
    return [name for name, (sources, _target) in TRANSITIONS.items() if device.status in sources]


def change_device_status(actor, device_id, action):
    """Deactivate, reactivate, block, unblock or deauthorize a device."""
    device = get_device(actor, device_id, "devices.edit")
    sources, target = TRANSITIONS[action]
    if device.status not in sources:
        raise ValidationError(_l("This device cannot be changed that way in its current state."), field=None,
                              code="device.wrong_state")
    if action == "deactivate":
        from webconsole.domain import preservation  # preservation reads users, which reads devices

        refusal = preservation.device_refusal(device)
        if refusal is not None:
            raise refusal
    changed = audit.changes(device, {"status": target})
    db.session.flush()
    refresh_user_totals([device.user_id])
    audit.record(f"device.{action}", actor=actor, obj=device, details={"changes": changed})
    db.session.commit()
    return device


def backup_states(device):
    """The device's backup state per destination, by destination name."""
    return sorted(device.backup_states, key=lambda s: s.destination.name)
