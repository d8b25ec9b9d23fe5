"""Device settings: inheritance down the org tree, and Save / Push / Lock.

An org either inherits a settings group from its parent or owns it (an OrgSettings row).
- Save changes the org's own values: the defaults that devices registered from now on copy.
- Push also writes them to the existing devices that take this group from this org; their users
  may change them afterwards.
- Lock pushes and forbids users and lower orgs from changing them: while a group is locked, every
  device below reads the locking org's values.
A device keeps its own copy of each group (DeviceSettings), noting per value which org set it,
or that it was set on the device itself.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, delete, exists, func, insert, literal, select
from sqlalchemy.orm import aliased

from webconsole.domain import audit, effective_settings, settings_spec
from webconsole.domain.errors import Forbidden, ValidationError
from webconsole.domain.orgs import ancestors, get_org
from webconsole.extensions import db
from webconsole.models import Destination, Device, DeviceSettings, Org, OrgSettings
from webconsole.models.base import utcnow

MODES = ("save", "push", "lock")
# DeviceSettings.sources: an org id, ON_DEVICE (set on the device itself), or BUILT_IN (the defaults).
ON_DEVICE, BUILT_IN = None, "default"


@dataclass
class GroupState:
    """Where an org's values for one group come from."""

    group: object  # settings_spec.Group
    values: dict
    owns: bool  # the org has its own values (inheritance from the parent is off)
    locked: bool  # this org locked the group
    locked_by: Org | None  # an org above that locked it: nothing here may change it
    source: Org | None  # the org the values come from; None: built-in defaults

    @property
    def editable(self):
        return self.locked_by is None


def _rows(org_ids, group_key):
    rows = db.session.scalars(select(OrgSettings).where(OrgSettings.org_id.in_(org_ids),
                                                        OrgSettings.group == group_key))
    return {row.org_id: row for row in rows}


def _complete(values, group_key):
    # Settings added in a later release take their default until someone sets them.
    return {**settings_spec.defaults(group_key), **(values or {})}


def group_state(org, group_key):
    """The effective values of a group at `org`, and where they come from."""
    spec = settings_spec.group(group_key)
    chain = ancestors(org) + [org]
    rows = _rows([o.id for o in chain], group_key)
    own = rows.get(org.id)
    locked_by = next((o for o in chain[:-1] if rows.get(o.id) and rows[o.id].locked), None)
    if locked_by is not None:
        return GroupState(spec, _complete(rows[locked_by.id].values, group_key), own is not None, False,
                          locked_by, locked_by)
    owner = next((o for o in reversed(chain) if o.id in rows), None)
    values = _complete(rows[owner.id].values if owner else None, group_key)
    return GroupState(spec, values, own is not None, bool(own and own.locked), None, owner)


def values_by_org(group_key):
    """{org id: effective values of the group} for every org, in two queries (lists, dashboards)."""
    rows = {r.org_id: r for r in db.session.scalars(select(OrgSettings).where(OrgSettings.group == group_key))}
    found = {}
    for org_id, path in db.session.execute(select(Org.id, Org.path)):
        chain = [int(i) for i in path.strip("/").split("/")]
        locker = next((i for i in chain[:-1] if i in rows and rows[i].locked), None)
        owner = locker or next((i for i in reversed(chain) if i in rows), None)
        found[org_id] = _complete(rows[owner].values if owner else None, group_key)
    return found


def destinations():
    """(id, name) of every storage destination, for the Destinations setting."""
    return [(d.id, d.name) for d in db.session.scalars(select(Destination).order_by(Destination.name))]


def _editable_org(actor, org_id, group_key):
    org = get_org(actor, org_id, "orgs.edit")
    state = group_state(org, group_key)
    if not state.editable:
        raise Forbidden(_l("%(org)s has locked these settings.", org=state.locked_by.name), code="settings.locked")
    return org, state


def save_group(actor, org_id, group_key, form, mode):
    """Save the org's values for a group; "push" also writes them to devices, "lock" pushes and locks."""
    if mode not in MODES:
        raise ValidationError(_l("Choose Save, Push or Lock."), field="mode", code="validation.choice")
    org, state = _editable_org(actor, org_id, group_key)
    values = settings_spec.parse(group_key, form, [i for i, _n in destinations()])
    row = _rows([org.id], group_key).get(org.id)
    if row is None:
        if org.parent_id is not None and not state.owns:
            raise ValidationError(_l("Turn off “Use device defaults from parent” first."), field="inherit",
                                  code="settings.inherited")
        row = OrgSettings(org_id=org.id, group=group_key, values={})
        db.session.add(row)
    changed = {k: [state.values.get(k), v] for k, v in values.items() if state.values.get(k) != v}
    row.values, row.locked = values, mode == "lock"
    db.session.flush()
    effective_settings.refresh(org)
    pushed = _push(org, group_key, values, everything_below=mode == "lock") if mode != "save" else 0
    audit.record(f"settings.{mode}", actor=actor, obj=org, details={
        "group": group_key, "changes": changed, "devices": pushed})
    db.session.commit()
    return pushed


def _receiving_orgs(org, group_key, everything_below):
    """A select of the orgs below `org` (itself included) whose devices take this group from `org`: all
    of them with `everything_below`, else those with no org of their own values between them and `org`.
    A query, not a list of ids, so that a Push at the top of 20 000 orgs binds no id per org."""
    below = Org.path.startswith(org.path, autoescape=True)
    if everything_below:
        return select(Org.id).where(below)
    owner = aliased(Org)
    # Paths are "/1/5/": an org lies below an owner when its path starts with the owner's.
    owned_between = (select(owner.id).join(OrgSettings, OrgSettings.org_id == owner.id)
                     .where(OrgSettings.group == group_key, owner.id != org.id,
                            owner.path.startswith(org.path, autoescape=True),
                            func.substr(Org.path, 1, func.length(owner.path)) == owner.path))
    return select(Org.id).where(below, ~exists(owned_between))


def _push(org, group_key, values, everything_below):
    receiving = _receiving_orgs(org, group_key, everything_below)
    targets = select(Device.id).where(Device.org_id.in_(receiving))
    db.session.execute(delete(DeviceSettings).where(DeviceSettings.group == group_key,
                                                    DeviceSettings.device_id.in_(targets)))
    return _copy_to_devices(targets, group_key, values, {key: org.id for key in values})


def _copy_to_devices(device_ids, group_key, values, sources):
    # One INSERT ... SELECT, however many devices: 200 000 devices take a couple of seconds.
    rows = select(Device.id, literal(group_key), literal(values, JSON), literal(sources, JSON),
                  literal(utcnow())).where(Device.id.in_(device_ids))
    count = db.session.scalar(select(func.count()).select_from(rows.subquery()))
    db.session.execute(insert(DeviceSettings).from_select(
        ["device_id", "group", "values", "sources", "updated_at"], rows))
    return count


def set_inheritance(actor, org_id, group_key, inherit):
    """Turn "use device defaults from parent" on (discarding the org's own values) or off (copying them)."""
    org, state = _editable_org(actor, org_id, group_key)
    if org.parent_id is None:
        raise ValidationError(_l("The top organization has no parent to inherit from."), field="inherit",
                              code="settings.no_parent")
    row = _rows([org.id], group_key).get(org.id)
    if inherit and row is not None:
        db.session.delete(row)
        audit.record("settings.inherit", actor=actor, obj=org, details={"group": group_key,
                                                                         "discarded": row.values})
    elif not inherit and row is None:
        db.session.add(OrgSettings(org_id=org.id, group=group_key, values=dict(state.values)))
        audit.record("settings.own", actor=actor, obj=org, details={"group": group_key})
    effective_settings.refresh(org)
    db.session.commit()


@dataclass
class DeviceValue:
    setting: object
    value: object
    source: Org | None  # the org that set it; None: set on the device, or built-in default
    on_device: bool
    locked_by: Org | None
    held_by: str | None = None  # the legal hold matters that decide it, when any does


def device_group(device, group_key):
    """Each setting of a group as the device has it, with where it came from and any lock; a legal hold
    of the device's user decides some of the backup group's (webconsole.domain.legal_hold)."""
    found = _device_group(device, group_key)
    if group_key == "backup":
        from webconsole.domain import preservation  # preservation reads the settings' specification

        holds = preservation.holds_of(device.user_id)
        values, decided = preservation.preserve({v.setting.key: v.value for v in found}, holds,
                                              preservation.stored_destination_ids())
        for item in found:
            if item.setting.key in decided:
                item.value, item.held_by = values[item.setting.key], decided[item.setting.key]
    return found


def _device_group(device, group_key):
    state = group_state(device.org, group_key)
    own_lock = state.source if state.locked else None
    locked_by = state.locked_by or own_lock
    spec = settings_spec.group(group_key)
    if locked_by is not None:
        return [DeviceValue(s, state.values[s.key], locked_by, False, locked_by) for s in spec.settings]
    row = db.session.scalar(select(DeviceSettings).where(DeviceSettings.device_id == device.id,
                                                         DeviceSettings.group == group_key))
    if row is None:
        return [DeviceValue(s, state.values[s.key], state.source, False, None) for s in spec.settings]
    orgs = {o.id: o for o in db.session.scalars(select(Org).where(Org.id.in_(
        [v for v in row.sources.values() if isinstance(v, int)])))}
    found = []
    for s in spec.settings:
        if s.key in row.values:
            source_id = row.sources.get(s.key, BUILT_IN)
            found.append(DeviceValue(s, row.values[s.key], orgs.get(source_id), source_id is ON_DEVICE, None))
        else:
            found.append(DeviceValue(s, state.values[s.key], state.source, False, None))
    return found


def change_device_group(actor, device, group_key, form):
    """Set a device's own values for a group; a locked group is refused."""
    current = device_group(device, group_key)
    if current[0].locked_by is not None:
        raise Forbidden(_l("%(org)s has locked these settings.", org=current[0].locked_by.name), code="settings.locked")
    held = next((v.held_by for v in current if v.held_by), None)
    if held:
        raise Forbidden(_l("A legal hold (%(matters)s) decides these settings while it lasts.", matters=held),
                        code="settings.legal_hold")
    values = settings_spec.parse(group_key, form, [i for i, _n in destinations()])
    row = db.session.scalar(select(DeviceSettings).where(DeviceSettings.device_id == device.id,
                                                         DeviceSettings.group == group_key))
    before = {v.setting.key: v for v in current}
    sources = {k: ON_DEVICE if before[k].value != v else _source_of(before[k]) for k, v in values.items()}
    changed = {k: [before[k].value, v] for k, v in values.items() if before[k].value != v}
    if row is None:
        row = DeviceSettings(device_id=device.id, group=group_key)
        db.session.add(row)
    row.values, row.sources = values, sources
    if changed:
        audit.record("device.settings", actor=actor, obj=device, details={"group": group_key, "changes": changed})
    db.session.commit()
    return changed


def _source_of(value):
    if value.on_device:
        return ON_DEVICE
    return value.source.id if value.source else BUILT_IN


def snapshot_new_device(device):
    """Copy the org's current values of every group to a device being registered."""
    for group_key in settings_spec.GROUP_KEYS:
        state = group_state(device.org, group_key)
        source = state.source.id if state.source else BUILT_IN
        db.session.add(DeviceSettings(device_id=device.id, group=group_key, values=dict(state.values),
                                      sources={k: source for k in state.values}))


def snapshot_devices_without_settings():
    """Give every device that has no copy of a group its org's current values (bulk registration)."""
    for org in db.session.scalars(select(Org)):
        for group_key in settings_spec.GROUP_KEYS:
            state = group_state(org, group_key)
            source = state.source.id if state.source else BUILT_IN
            # NOT EXISTS, not NOT IN: PostgreSQL cannot hash a NOT IN over 200 000 rows into its
            # work memory and rescans it for every device (the demo load took over a quarter hour).
            have = select(DeviceSettings.id).where(DeviceSettings.device_id == Device.id,
                                                   DeviceSettings.group == group_key)
            devices = select(Device.id).where(Device.org_id == org.id, ~have.exists())
            _copy_to_devices(devices, group_key, state.values, {k: source for k in state.values})
