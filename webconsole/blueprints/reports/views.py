from flask import redirect, url_for
from flask_babel import lazy_gettext as _l

from webconsole.blueprints.reports import bp
from webconsole.domain.listings import catalog
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec
from webconsole.web.permissions import require

ORG_REPORT = ListSpec(
    listing=catalog.ORG_REPORT, endpoint="reports.orgs", export_name="organization-report",
    # The page's defaults fit a 1440 px window (the chooser offers the rest); a report's export is whole.
    choosable=True, export_all=True,
    columns=[
        Column("name", _l("Organization"), width=170, link=("orgs.detail", "org_id"), required=True),
        Column("parent_name", _l("Parent organization"), width=140),
        Column("status", _l("Status"), cell="status", width=100),
        Column("users", _l("Active users"), cell="number", numeric=True, width=90),
        Column("devices", _l("Active devices"), cell="number", numeric=True, width=90),
        Column("selected_bytes", _l("Selected size"), cell="bytes", numeric=True, width=100),
        Column("archive_bytes", _l("Archive size"), cell="bytes", numeric=True, width=100),
        Column("warning", _l("Warning"), cell="number", numeric=True, width=80),
        Column("critical", _l("Critical"), cell="number", numeric=True, width=80),
        Column("registration_key", _l("Registration key"), cell="code", width=170),
        Column("created_at", _l("Created"), cell="datetime", width=165, optional=True),
    ],
)

USER_REPORT = ListSpec(
    listing=catalog.USER_REPORT, endpoint="reports.users", export_name="user-backup-report",
    columns=[
        Column("first_name", _l("First name"), width=140),
        Column("last_name", _l("Last name"), width=140),
        Column("username", _l("Username"), width=240, link=("users.detail", "user_id")),
        Column("devices", _l("Backup devices"), cell="number", numeric=True, width=130),
        Column("archive_bytes", _l("Total storage used"), cell="bytes", numeric=True, width=150),
        Column("status", _l("User status"), cell="user_status", width=130),
        Column("org_name", _l("Organization"), width=170),
    ],
)

DEVICE_REPORT = ListSpec(
    listing=catalog.DEVICE_REPORT, endpoint="reports.devices", export_name="device-backup-report",
    choosable=True, export_all=True,
    columns=[
        Column("name", _l("Device"), width=170, link=("devices.detail", "device_id"), required=True),
        Column("guid", _l("GUID"), cell="code", width=170, optional=True),
        Column("username", _l("User"), width=170),
        Column("org_name", _l("Organization"), width=120),
        Column("os", _l("OS"), cell="os", width=90),
        Column("os_version", _l("OS version"), width=130, optional=True),
        Column("agent_version", _l("Version"), width=90, optional=True),
        Column("status", _l("Status"), cell="status", width=110),
        Column("alert_level", _l("Alert"), cell="alert", width=90),
        Column("last_connected", _l("Last connected"), cell="datetime", width=165, optional=True),
        Column("last_backup", _l("Last backup"), cell="datetime", width=165, optional=True),
        Column("last_completed_backup", _l("Last completed backup"), cell="datetime", width=165),
        Column("percent_complete", _l("Complete"), cell="percent", numeric=True, width=90),
        Column("selected_bytes", _l("Selected size"), cell="bytes", numeric=True, width=100, optional=True),
        Column("archive_bytes", _l("Archive size"), cell="bytes", numeric=True, width=100),
        Column("destinations", _l("Destinations"), cell="number", numeric=True, width=100, optional=True),
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
