"""The objects of the Incydr API as the incydr SDK's pydantic models read them (docs/api.md, "The Incydr API").

Unlike the legacy API's, every id is a string: `userId` is the user's UID and `legacyUserId` the number
(as text: the SDK's models declare `Optional[str]` and pydantic does not turn a number into one); the same
for orgs (`orgId`/`orgGuid` the UID, `legacyOrgId` the number) and devices (`deviceId` the GUID).
"""
from webconsole.blueprints.code42_api.door import iso
from webconsole.blueprints.code42_api.shapes import DEVICE_STATUS, OS_NAMES
from webconsole.domain.permissions import PERMISSIONS, role_label


def user(u):
    return {
        "userId": u.uid, "legacyUserId": str(u.id), "username": u.username, "firstName": u.first_name,
        "lastName": u.last_name, "orgId": u.org.uid, "legacyOrgId": str(u.org_id), "orgGuid": u.org.uid,
        "orgName": u.org.name, "notes": u.notes or None, "active": u.status == "active", "blocked": u.blocked,
        "creationDate": iso(u.created_at), "modificationDate": iso(u.updated_at),
    }


def role(r):
    """A role as the roles list shows it: its permissions with their descriptions."""
    return {"roleId": r.key, "roleName": str(role_label(r)), "creationDate": None, "modificationDate": None,
            "permissions": [{"permission": p, "description": str(PERMISSIONS.get(p, p))}
                            for p in sorted(p.permission for p in r.permissions)]}


def user_role(r):
    """A role as one user's roles show it: the permissions' ids only."""
    return {"roleId": r.key, "roleName": str(role_label(r)), "creationDate": None, "modificationDate": None,
            "permissionIds": sorted(p.permission for p in r.permissions)}


def device(d):
    """A device; `osHostname`, `lastConnected` and `build` are required by the SDK (present, maybe null)."""
    status = DEVICE_STATUS.get(d.status, d.status.title())
    return {
        "deviceId": d.guid, "legacyDeviceId": str(d.id), "name": d.name, "osHostname": d.hostname,
        "status": status, "active": d.status != "deactivated", "blocked": d.status == "blocked", "alertState": 0,
        "userId": d.user.uid, "legacyUserId": str(d.user_id), "orgId": d.org.uid, "legacyOrgId": str(d.org_id),
        "orgGuid": d.org.uid, "externalReferenceInfo": None, "notes": None, "lastConnected": iso(d.last_connected),
        "osName": OS_NAMES.get(d.os, d.os), "osVersion": d.os_version, "osArch": None, "address": d.address,
        "remoteAddress": d.remote_address, "timeZone": None, "version": d.agent_version, "build": None,
        "creationDate": iso(d.created_at), "modificationDate": iso(d.created_at), "loginDate": iso(d.last_connected),
    }


def agent(d):
    """A device as the SDK's agents read it (all 17 keys are required, each may be null)."""
    return {
        "agentId": d.guid, "name": d.name, "userId": d.user.uid, "osHostname": d.hostname,
        "osName": OS_NAMES.get(d.os, d.os), "machineId": None, "serialNumber": None,
        "active": d.status != "deactivated", "agentType": "CODE42", "agentHealthIssueTypes": [],
        "agentHealthModificationDate": None, "appVersion": d.agent_version, "productVersion": d.agent_version,
        "lastConnected": iso(d.last_connected), "externalReference": None, "creationDate": iso(d.created_at),
        "modificationDate": iso(d.created_at),
    }
