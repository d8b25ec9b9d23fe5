from flask_babel import lazy_gettext as _l

from webconsole.blueprints.devices import bp
from webconsole.domain.devices import get_device
from webconsole.domain.listings import catalog
from webconsole.web.file_events import file_event_columns
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec

DEVICE_LIST = ListSpec(
    listing=catalog.DEVICES,
    endpoint="devices.index",
    export_name="devices",
    choosable=True,  # the defaults fit a 1440 px window; the chooser offers the hostname and version
    columns=[
        Column("name", _l("Name"), width=170, link=("devices.detail", "device_id"), required=True),
        Column("hostname", _l("Hostname"), width=150, optional=True),
        Column("username", _l("User"), width=140),
        Column("org_name", _l("Organization"), width=100),
        Column("os", _l("OS"), cell="os", width=90),
        Column("agent_version", _l("Version"), width=90, optional=True),
        Column("status", _l("Status"), cell="status", width=110),
        # The widest short date and time ("12/28/26, 10:58 PM") takes 136 px of text and 24 of padding.
        Column("last_connected", _l("Last connected"), cell="datetime", width=165),
        Column("last_completed_backup", _l("Last completed backup"), cell="datetime", width=165),
        Column("percent_complete", _l("Complete"), cell="percent", numeric=True, width=90),
        Column("archive_bytes", _l("Archive size"), cell="bytes", numeric=True, width=100),
    ],
)

register_list_routes(bp, DEVICE_LIST, "devices.view", "devices/index.html")


def _events_page_context(actor, params):
    return {"device": get_device(actor, params.filters.get("device"), "forensics.search")}


DEVICE_EVENTS = ListSpec(
    listing=catalog.DEVICE_EVENTS,
    endpoint="devices.file_events",
    export_name="file-events",
    page_context=_events_page_context,
    choosable=True,
    columns=file_event_columns(
        "event_at", "event_type", "file_name", "file_path", "file_size", "file_category", "exposure", "md5", "sha256",
        optional=("md5", "sha256")),
)

register_list_routes(bp, DEVICE_EVENTS, "forensics.search", "devices/file_events.html", url="/file-events/")
