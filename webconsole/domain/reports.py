"""Reports: organizations, users and devices with their backup figures, in the actor's scope."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import aliased

from webconsole.domain import backup_alerts
from webconsole.domain.devices import device_list
from webconsole.domain.errors import ValidationError
from webconsole.domain.queries import filter_by, org_subtree, search
from webconsole.domain.scope import restrict, scope_for
from webconsole.models import BackupState, Device, Org, OrgTotals, User

GB = 1024**3
Parent = aliased(Org, name="report_parent")


def org_report(actor, params):
    """Per org: users, active devices, selected and stored bytes, and devices in Warning / Critical."""
    # Users, devices and bytes are kept per org by triggers (OrgTotals): summing them here cost 45 ms.
    # Alert counts are index ranges of each row's own org (correlated), so a page or an export batch
    # counts only its orgs, and no query names every org (20 000 would pass SQLite's parameter limit).
    warning, critical = backup_alerts.overdue_counts(Org.id)
    stmt = (select(Org.id, Org.name, Org.status, Org.created_at, registration_key_for(actor),
                   Parent.name.label("parent_name"),
                   *[func.coalesce(OrgTotals.__table__.c[k], 0).label(k)
                     for k in ("users", "devices", "selected_bytes", "archive_bytes")],
                   warning.label("warning"), critical.label("critical"))
            .outerjoin(Parent, Org.parent_id == Parent.id)
            .outerjoin(OrgTotals, OrgTotals.org_id == Org.id))
    stmt = restrict(stmt, scope_for(actor, "reports.view"), org_column=Org.id)
    stmt = search(stmt, params.q, contains=(Org.name, Org.ext_ref), equals=(Org.uid,))
    return filter_by(stmt, params.filters, {"status": Org.status})


def registration_key_for(actor):
    """The org's registration key where `actor` may view the org, else nothing: reports reach further
    than orgs.view (Help Desk runs them), and a key lets anyone register a device into the org."""
    scope = scope_for(actor, "orgs.view")
    if scope.kind == "all":
        key = Org.registration_key
    elif scope.kind == "subtree":
        key = case((Org.path.startswith(scope.org_path, autoescape=True), Org.registration_key), else_=literal(""))
    else:
        key = literal("")
    return key.label("registration_key")


def _gb(value, field):
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(_l("Enter a number of gigabytes."), field=field, code="validation.format") from None
    if number < 0:
        raise ValidationError(_l("Enter a number of gigabytes."), field=field, code="validation.format")
    return int(number * GB)


def user_report(actor, params):
    """The User Backup report: each user's active devices and total storage used."""
    stmt = select(User.id, User.first_name, User.last_name, User.username, User.status, User.blocked,
                  Org.name.label("org_name"), User.backup_devices.label("devices"), User.archive_bytes
                  ).outerjoin(Org, User.org_id == Org.id)
    stmt = restrict(stmt, scope_for(actor, "reports.view"), org_column=User.org_id, user_column=User.id)
    stmt = search(stmt, params.q, contains=(User.username, User.first_name, User.last_name), equals=(User.uid,))
    f = params.filters
    if f.get("org"):
        stmt = stmt.where(User.org_id.in_(org_subtree(f["org"])))
    if f.get("min_gb"):
        stmt = stmt.where(User.archive_bytes >= _gb(f["min_gb"], "min_gb"))
    if f.get("max_gb"):
        stmt = stmt.where(User.archive_bytes <= _gb(f["max_gb"], "max_gb"))
    return filter_by(stmt, f, {"status": User.status})


destination_count = (select(func.count()).select_from(BackupState).where(BackupState.device_id == Device.id)
                     .correlate(Device).scalar_subquery().label("destinations"))


def device_report(actor, params):
    """The Device Backup report: the devices list with backup timing and destinations."""
    stmt = device_list(actor, params, permission="reports.view")
    return stmt.add_columns(Device.last_backup, User.first_name, User.last_name, destination_count)
