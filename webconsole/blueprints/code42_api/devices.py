"""Devices (computers), as py42's DeviceService and code42cli's `devices` commands use them."""
from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.blueprints.code42_api import bp, shapes
from webconsole.blueprints.code42_api.door import ApiError, api, body, flag, numbered_page, page_args, text
from webconsole.blueprints.code42_api.orgs import org_filter
from webconsole.domain import devices as domain
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import catalog
from webconsole.extensions import db
from webconsole.models import Device, User


@bp.get("/api/v1/Computer")
@api("devices.view")
def list_devices(actor):
    """A page of devices (pgNum, pgSize), filtered by active, blocked, orgUid (with its children),
    userUid, targetComputerGuid and q."""
    page_num, page_size = page_args()
    filters = {}
    for name in ("active", "blocked"):
        value = flag(name)
        if value is not None:
            filters[name] = "yes" if value else "no"
    org_uid = text("orgUid", 32)
    if org_uid:
        filters["org"] = org_filter(actor, org_uid, "devices.view", "device.org_not_found", _l("Unable to find org"))
    user_uid = text("userUid", 32)
    if user_uid:
        filters["user"] = str(db.session.scalar(select(User.id).where(User.uid == user_uid)) or 2**62)
    guid = text("targetComputerGuid", 32)
    if guid:
        filters["guid"] = guid
    try:
        params = catalog.DEVICES.params(q=text("q", 200) or "", filters=filters)
    except ValidationError as error:
        raise ApiError(400, error.code, error.message, error.field) from None
    # Counted before the page, whose end of read expires the actor: counting after it loaded the actor again.
    total = catalog.DEVICES.count(actor, params)[0] if flag("incCounts") else None
    rows = numbered_page(catalog.DEVICES, actor, params, page_num, page_size, only=shapes.DEVICE_COLUMNS)
    shown = {"computers": shapes.devices_of(rows, bool(flag("incBackupUsage")))}
    if total is not None:
        shown["totalCount"] = total
    return shown


def _device(actor, device_ref, permission="devices.view"):
    """The device named by the path: its GUID with ?idType=guid, else its numeric id."""
    if request.args.get("idType") == "guid":
        found = db.session.scalar(select(Device.id).where(Device.guid == device_ref))
        return domain.get_device(actor, found or 0, permission)
    return domain.get_device(actor, device_ref, permission)


@bp.get("/api/v1/Computer/<device_ref>")
@api("devices.view")
def get_device(actor, device_ref):
    """One device, by id or (idType=guid) by GUID; with incBackupUsage, its backup state per destination."""
    device = _device(actor, device_ref)
    shown = shapes.device(device, bool(flag("incBackupUsage")))
    if flag("incSettings"):
        shown["settings"] = {}
        shown["service"] = "Webconsole"  # py42 then reads only the device's identity, not backup sets
    return shown


def _id_from_body():
    value = body().get("id")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, "validation.format", _l("id must be the device's number."), "id")
    return value


@bp.post("/api/v4/computer-deactivation/update")
@api("devices.edit")
def deactivate(actor):
    """Deactivate the device {"id"}; refused with ACTIVE_LEGAL_HOLD while its user is held."""
    device_id = _id_from_body()
    device = domain.get_device(actor, device_id, "devices.edit")
    if device.status != "deactivated":
        domain.change_device_status(actor, device_id, "deactivate")
    return None


@bp.post("/api/v4/computer-deactivation/remove")
@api("devices.edit")
def reactivate(actor):
    """Reactivate the device {"id"}."""
    device_id = _id_from_body()
    device = domain.get_device(actor, device_id, "devices.edit")
    if device.status == "deactivated":
        domain.change_device_status(actor, device_id, "reactivate")
    return None


def _block(action, method):
    @api("devices.edit")
    def view(actor, device_id):
        device = domain.get_device(actor, device_id, "devices.edit")
        wanted = "blocked" if action == "block" else "active"
        if device.status != wanted:
            domain.change_device_status(actor, device.id, action)
        return None

    view.__name__ = f"device_{action}"
    view.__doc__ = f"{method} /api/v1/ComputerBlock/<id>: {action} the device."
    bp.add_url_rule("/api/v1/ComputerBlock/<device_id>", endpoint=view.__name__, view_func=view, methods=[method])


_block("block", "PUT")
_block("unblock", "DELETE")
