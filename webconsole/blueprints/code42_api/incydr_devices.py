"""Devices of the Incydr API, as the incydr SDK's `devices.v1` (deprecated there) and `agents.v1` read them:
bare JSON, `deviceId` / `agentId` the device's GUID. The same listing and scope as the browser."""
from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import lazyload, load_only, selectinload

from webconsole.blueprints.code42_api import bp, incydr_shapes
from webconsole.blueprints.code42_api.door import ApiError, api, flag, numbered_page, page_args, text
from webconsole.blueprints.code42_api.shapes import in_order
from webconsole.domain import devices as domain
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import catalog
from webconsole.extensions import db
from webconsole.models import Device, User

# The SDK's sort keys and the listing's.
DEVICE_SORTS = {"name": "name", "osHostname": "hostname", "os": "os", "lastConnected": "last_connected"}
AGENT_SORTS = {"NAME": "name", "OS_HOSTNAME": "hostname", "OS_NAME": "os", "LAST_CONNECTED": "last_connected"}
# Agent filters the console has no data for (health, serial numbers...): refused by name, not ignored,
# so that a script never reads "all agents" as "the healthy ones".
AGENT_UNANSWERED = ("agentHealthy", "anyOfAgentHealthIssueTypes", "agentHealthModifiedInLastDays", "serialNumber",
                    "anyOfAgentOsTypes", "connectedInLastDays", "notConnectedInLastDays")


def _choice(name, choices, default):
    value = text(name, 40)
    if value in (None, ""):
        return default
    if value not in choices:
        raise ApiError(400, "validation.choice", _l("Choose a value from the list."), name)
    return choices[value]


def _loads():
    # Of a device's user the shape shows the UID alone: without load_only a page's owners came with their
    # orgs, roles and the roles' permissions.
    owner = selectinload(Device.user).options(load_only(User.uid), lazyload(User.org), lazyload(User.roles))
    return owner, selectinload(Device.org)


def _page(actor, filters, sort, direction, page_num, page_size):
    """(the devices of a numbered page of the devices listing, how many match)."""
    try:
        params = catalog.DEVICES.params(sort=sort, dir=direction, filters=filters)
    except ValidationError as error:
        raise ApiError(400, error.code, error.message, error.field) from None
    rows = numbered_page(catalog.DEVICES, actor, params, page_num, page_size)
    return in_order(Device, [r.id for r in rows], *_loads()), catalog.DEVICES.count(actor, params)[0]


def _flags(filters):
    for name in ("active", "blocked"):
        value = flag(name)
        if value is not None:
            filters[name] = "yes" if value else "no"
    return filters


def device_page(actor, filters):
    """The answer of a devices page (`page` from 1, `pageSize`, `sortKey`, `sortDirection`, `active`, `blocked`)
    within `filters`: {"devices", "totalCount"}, both required by the SDK."""
    page_num, page_size = page_args("page", "pageSize")
    sort = _choice("sortKey", DEVICE_SORTS, "name")
    direction = _choice("sortDirection", {"asc": "asc", "desc": "desc", "ASC": "asc", "DESC": "desc"}, "asc")
    found, total = _page(actor, _flags(filters), sort, direction, page_num, page_size)
    return {"devices": [incydr_shapes.device(d) for d in found], "totalCount": total}


@bp.get("/v1/devices")
@api("devices.view", envelope=False)
def incydr_list_devices(actor):
    """A page of devices: `active`, `blocked`, `page` (from 1), `pageSize`, `sortKey` (name, osHostname, os,
    lastConnected), `sortDirection` (asc, desc)."""
    return device_page(actor, {})


def _by_guid(actor, guid):
    found = db.session.scalar(select(Device.id).where(Device.guid == guid)) if len(guid) <= 32 else None
    return domain.get_device(actor, found or 0)


@bp.get("/v1/devices/<device_guid>")
@api("devices.view", envelope=False)
def incydr_get_device(actor, device_guid):
    """One device by its GUID."""
    return incydr_shapes.device(_by_guid(actor, device_guid))


@bp.get("/v1/agents")
@api("devices.view", envelope=False)
def incydr_list_agents(actor):
    """A page of agents (the console's devices): `active`, `userId` (a UID), `agentType` (CODE42), `srtKey`,
    `srtDir`, `page` (from 1), `pageSize` (500 by default)."""
    for name in AGENT_UNANSWERED:
        if request.args.get(name) not in (None, ""):
            raise ApiError(400, "validation.unsupported", _l("Choose a value from the list."), name)
    page_num, page_size = page_args("page", "pageSize", default_size=500)
    sort = _choice("srtKey", AGENT_SORTS, "name")
    direction = _choice("srtDir", {"ASC": "asc", "DESC": "desc", "asc": "asc", "desc": "desc"}, "asc")
    filters = {}
    active = flag("active")
    if active is not None:
        filters["active"] = "yes" if active else "no"
    user_uid = text("userId", 32)
    if user_uid:
        filters["user"] = str(db.session.scalar(select(User.id).where(User.uid == user_uid)) or 2**62)
    agent_type = text("agentType", 40)
    if agent_type not in (None, "", "CODE42"):  # the console's one kind of agent
        return {"agents": [], "totalCount": 0, "pageSize": page_size, "page": page_num}
    found, total = _page(actor, filters, sort, direction, page_num, page_size)
    return {"agents": [incydr_shapes.agent(d) for d in found], "totalCount": total, "pageSize": page_size,
            "page": page_num}


@bp.get("/v1/agents/<agent_guid>")
@api("devices.view", envelope=False)
def incydr_get_agent(actor, agent_guid):
    """One agent (device) by its GUID."""
    return incydr_shapes.agent(_by_guid(actor, agent_guid))
