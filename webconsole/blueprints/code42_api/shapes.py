"""The objects of the legacy API as py42 and code42cli read them (docs/api.md lists every field)."""
from sqlalchemy import select

from webconsole.blueprints.code42_api.door import iso
from webconsole.domain.permissions import role_label
from webconsole.extensions import db

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
    shape = {
        "userId": u.id, "userUid": u.uid, "username": u.username, "email": u.email,
        "firstName": u.first_name, "lastName": u.last_name, "orgId": u.org_id, "orgUid": u.org.uid,
        "orgName": u.org.name, "status": "Active" if u.status == "active" else "Deactivated",
        "active": u.status == "active", "blocked": u.blocked, "notes": u.notes or "",
        "quotaInBytes": -1, "creationDate": iso(u.created_at), "modificationDate": iso(u.updated_at),
        "userExtRef": None,
    }
    if roles:
        shape["roles"] = [str(role_label(r)) for r in u.roles]
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
    shape = {
        "computerId": d.id, "guid": d.guid, "name": d.name, "osHostname": d.hostname,
        "status": DEVICE_STATUS.get(d.status, d.status.title()), "active": d.status != "deactivated",
        "blocked": d.status == "blocked", "alertState": 0, "userId": d.user_id, "userUid": d.user.uid,
        "orgId": d.org_id, "orgUid": d.org.uid, "address": d.address, "remoteAddress": d.remote_address,
        "lastConnected": iso(d.last_connected), "creationDate": iso(d.created_at),
        "modificationDate": iso(d.created_at), "osName": OS_NAMES.get(d.os, d.os), "osVersion": d.os_version,
        "productVersion": d.agent_version, "version": d.agent_version, "service": "CrashPlan",
        "computerExtRef": None, "notes": None, "type": "COMPUTER",
    }
    if backup_usage:
        shape["backupUsage"] = [{
            "targetComputerGuid": s.destination.guid, "targetComputerName": s.destination.name,
            "targetComputerType": "SERVER", "selectedFiles": s.selected_files, "selectedBytes": s.selected_bytes,
            "archiveBytes": s.archive_bytes, "percentComplete": s.percent_complete,
            "lastBackup": iso(s.last_backup), "lastCompletedBackup": iso(s.last_completed_backup),
            "lastConnected": iso(s.last_connected), "archiveGuid": f"{d.guid}-{s.destination.guid}",
        } for s in sorted(d.backup_states, key=lambda s: s.destination.name)]
    return shape

