"""The objects of the legacy API as py42 and code42cli read them (docs/api.md lists every field)."""
from collections import defaultdict, namedtuple

from sqlalchemy import select

from webconsole.blueprints.code42_api.door import iso
from webconsole.domain.permissions import role_label
from webconsole.extensions import db
from webconsole.models import BackupState, Destination, Device, Org, Role, User, user_roles

RoleName = namedtuple("RoleName", "key name")  # what role_label reads of a role

DEVICE_STATUS = {"active": "Active", "deactivated": "Deactivated", "blocked": "Active, Blocked",
                 "deauthorized": "Active, Deauthorized"}
OS_NAMES = {"windows": "win", "macos": "mac", "linux": "linux"}


def in_order(model, ids, *options):
    """The `model` rows of `ids`, in that order (rows gone since are left out)."""
    if not ids:
        return []
    found = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options))}
    return [found[i] for i in ids if i in found]


def role(r):
    return {"roleId": r.key, "roleName": str(role_label(r)), "permissions": sorted(p.permission for p in r.permissions)}


def user(u, roles=False):
    return _user(u, u.org.uid, u.org.name, u.roles if roles else None)


# The columns a page of users is shaped from, beside the users listing's own (its query joins the org):
# read with the page (door.numbered_page's `only`), as plain rows rather than ORM objects, which cost
# more than the page's query.
USER_COLUMNS = (User.uid, User.username, User.email, User.first_name, User.last_name, User.org_id,
                User.status, User.blocked, User.notes, User.created_at, User.updated_at,
                Org.uid.label("org_uid"), Org.name.label("org_name"))


def users_of(rows, roles=False):
    """The shapes of a page of users read with USER_COLUMNS; with `roles`, each one's (one more query)."""
    held = None
    if roles:
        held = defaultdict(list)
        found = db.session.execute(select(user_roles.c.user_id, Role.key, Role.name)
                                   .join(Role, Role.id == user_roles.c.role_id)
                                   .where(user_roles.c.user_id.in_([r.id for r in rows])))
        for user_id, key, name in found:
            held[user_id].append(RoleName(key, name))
    return [_user(r, r.org_uid, r.org_name, held[r.id] if roles else None) for r in rows]


def _user(u, org_uid, org_name, roles):
    active = u.status == "active"
    shape = {
        "userId": u.id, "userUid": u.uid, "username": u.username, "email": u.email,
        "firstName": u.first_name, "lastName": u.last_name, "orgId": u.org_id, "orgUid": org_uid,
        "orgName": org_name, "status": "Active" if active else "Deactivated",
        "active": active, "blocked": u.blocked, "notes": u.notes or "",
        "quotaInBytes": -1, "creationDate": iso(u.created_at), "modificationDate": iso(u.updated_at),
        "userExtRef": None,
    }
    if roles is not None:
        shape["roles"] = [str(role_label(r)) for r in roles]
    return shape


def org(o):
    parent = o.parent
    return {
        "orgId": o.id, "orgUid": o.uid, "orgGuid": o.uid, "orgName": o.name, "orgExtRef": o.ext_ref or None,
        "notes": o.notes or None, "status": "Active" if o.status == "active" else "Deactivated",
        "active": o.status == "active", "blocked": False, "type": "ENTERPRISE",
        "parentOrgId": parent.id if parent else None, "parentOrgUid": parent.uid if parent else None,
        "parentOrgGuid": parent.uid if parent else None, "creationDate": iso(o.created_at),
        "modificationDate": iso(o.updated_at), "registrationKey": o.registration_key,
    }


def device(d, backup_usage=False):
    states = None
    if backup_usage:
        states = [_state(d.guid, s, s.destination.guid, s.destination.name)
                  for s in sorted(d.backup_states, key=lambda s: s.destination.name)]
    return _device(d, d.user.uid, d.org.uid, states)


# The columns a page of devices is shaped from, beside the devices listing's own (its query joins the owner
# and the org): read with the page, as plain rows (see USER_COLUMNS).
DEVICE_COLUMNS = (Device.guid, Device.name, Device.hostname, Device.status, Device.user_id, Device.org_id,
                  Device.address, Device.remote_address, Device.last_connected, Device.created_at, Device.os,
                  Device.os_version, Device.agent_version, User.uid.label("user_uid"), Org.uid.label("org_uid"))


def devices_of(rows, backup_usage=False):
    """The shapes of a page of devices read with DEVICE_COLUMNS; with `backup_usage`, each one's backup state
    per destination (one more query)."""
    states = None
    if backup_usage:
        guids = {r.id: r.guid for r in rows}
        states = defaultdict(list)
        found = db.session.execute(
            select(BackupState, Destination.guid, Destination.name).join(Destination)
            .where(BackupState.device_id.in_(guids)).order_by(Destination.name))
        for state, guid, name in found:
            states[state.device_id].append(_state(guids[state.device_id], state, guid, name))
    return [_device(r, r.user_uid, r.org_uid, states[r.id] if backup_usage else None) for r in rows]


def _device(d, user_uid, org_uid, states):
    shape = {
        "computerId": d.id, "guid": d.guid, "name": d.name, "osHostname": d.hostname,
        "status": DEVICE_STATUS.get(d.status, d.status.title()), "active": d.status != "deactivated",
        "blocked": d.status == "blocked", "alertState": 0, "userId": d.user_id, "userUid": user_uid,
        "orgId": d.org_id, "orgUid": org_uid, "address": d.address, "remoteAddress": d.remote_address,
        "lastConnected": iso(d.last_connected), "creationDate": iso(d.created_at),
        "modificationDate": iso(d.created_at), "osName": OS_NAMES.get(d.os, d.os), "osVersion": d.os_version,
        "productVersion": d.agent_version, "version": d.agent_version, "service": "CrashPlan",
        "computerExtRef": None, "notes": None, "type": "COMPUTER",
    }
    if states is not None:
        shape["backupUsage"] = states
    return shape


def _state(device_guid, s, destination_guid, destination_name):
    return {
        "targetComputerGuid": destination_guid, "targetComputerName": destination_name,
        "targetComputerType": "SERVER", "selectedFiles": s.selected_files, "selectedBytes": s.selected_bytes,
        "archiveBytes": s.archive_bytes, "percentComplete": s.percent_complete,
        "lastBackup": iso(s.last_backup), "lastCompletedBackup": iso(s.last_completed_backup),
        "lastConnected": iso(s.last_connected), "archiveGuid": f"{device_guid}-{destination_guid}",
    }
