from flask import redirect, url_for
from flask_babel import lazy_gettext as _l

from webconsole.blueprints.reports import bp
from webconsole.domain.reports import device_report, org_report, user_report
from webconsole.domain.users import org_choices
from webconsole.models import Device, Org, User
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec
from webconsole.web.permissions import require


def _orgs(actor):
    return {"org_choices": org_choices(actor, "reports.view")}


ORG_REPORT = ListSpec(
    key="report-orgs", endpoint="reports.orgs", query=org_report, default_sort="name",
    filters=("status",), export_name="organization-report",
    columns=[
        Column("name", _l("Organization"), sort=Org.name, width=200, link=("orgs.detail", "org_id")),
        Column("parent_name", _l("Parent organization"), width=170),
        Column("status", _l("Status"), cell="status", sort=Org.status, width=110),
        Column("users", _l("Active users"), cell="number", numeric=True, width=110),
        Column("devices", _l("Active devices"), cell="number", numeric=True, width=120),
        Column("selected_bytes", _l("Selected size"), cell="bytes", numeric=True, width=120),
        Column("archive_bytes", _l("Archive size"), cell="bytes", numeric=True, width=120),
        Column("warning", _l("Warning"), cell="number", numeric=True, width=100),
        Column("critical", _l("Critical"), cell="number", numeric=True, width=100),
        Column("registration_key", _l("Registration key"), cell="code", width=190),
        Column("created_at", _l("Created"), cell="datetime", sort=Org.created_at, width=170),
    ],
)

USER_REPORT = ListSpec(
    key="report-users", endpoint="reports.users", query=user_report, default_sort="username",
    filters=("org", "status", "min_gb", "max_gb"), export_name="user-backup-report", page_context=_orgs,
    columns=[
        Column("first_name", _l("First name"), sort=User.first_name, width=140),
        Column("last_name", _l("Last name"), sort=User.last_name, width=140),
        Column("username", _l("Username"), sort=User.username, width=240, link=("users.detail", "user_id")),
        Column("devices", _l("Backup devices"), cell="number", numeric=True, width=130),
        Column("archive_bytes", _l("Total storage used"), cell="bytes", sort=User.archive_bytes, numeric=True,
               width=150),
        Column("status", _l("User status"), cell="user_status", sort=User.status, width=130),
        Column("org_name", _l("Organization"), sort=Org.name, then=(Org.id,), width=170),
    ],
)

DEVICE_REPORT = ListSpec(
    key="report-devices", endpoint="reports.devices", query=device_report, default_sort="name",
    filters=("org", "status", "os", "alert"), export_name="device-backup-report", page_context=_orgs,
    columns=[
        Column("name", _l("Device"), sort=Device.name, width=170, link=("devices.detail", "device_id")),
        Column("guid", _l("GUID"), cell="code", width=170),
        Column("username", _l("User"), sort=User.username, width=210),
        Column("org_name", _l("Organization"), sort=Org.name, then=(Org.id,), width=150),
        Column("os", _l("OS"), cell="os", sort=Device.os, width=100),
        Column("os_version", _l("OS version"), width=130),
        Column("agent_version", _l("Version"), sort=Device.agent_version, width=90),
        Column("status", _l("Status"), cell="status", sort=Device.status, width=110),
        Column("alert_level", _l("Alert"), cell="alert", width=100),
        Column("last_connected", _l("Last connected"), cell="datetime", sort=Device.last_connected,
               nullable=True, width=160),
        Column("last_backup", _l("Last backup"), cell="datetime", sort=Device.last_backup, nullable=True, width=160),
        Column("last_completed_backup", _l("Last completed backup"), cell="datetime",
               sort=Device.last_completed_backup, nullable=True, width=180),
        Column("percent_complete", _l("Complete"), cell="percent", sort=Device.percent_complete, numeric=True,
               width=110),
        Column("selected_bytes", _l("Selected size"), cell="bytes", sort=Device.selected_bytes, numeric=True,
               width=120),
        Column("archive_bytes", _l("Archive size"), cell="bytes", sort=Device.archive_bytes, numeric=True, width=120),
        Column("destinations", _l("Destinations"), cell="number", numeric=True, width=110),
    ],
)

register_list_routes(bp, ORG_REPORT, "reports.view", "reports/orgs.html", url="/organizations/")
register_list_routes(bp, USER_REPORT, "reports.view", "reports/users.html", url="/users/")
register_list_routes(bp, DEVICE_REPORT, "reports.view", "reports/devices.html", url="/devices/")


@bp.get("/")
@require("reports.view")
def index():
    """Reports open on the organization report."""
    return redirect(url_for("reports.orgs"))
