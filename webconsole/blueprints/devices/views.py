from flask import request
from flask_babel import lazy_gettext as _l

from webconsole.blueprints.devices import bp
from webconsole.domain import events
from webconsole.domain.devices import device_list, get_device
from webconsole.domain.users import org_choices
from webconsole.models import Device, Org, User
from webconsole.web.file_events import file_event_columns
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec

DEVICE_LIST = ListSpec(
    key="devices",
    endpoint="devices.index",
    query=device_list,
    default_sort="name",
    filters=("status", "os", "org", "alert"),
    export_name="devices",
    page_context=lambda actor: {"org_choices": org_choices(actor, "devices.view")},
    columns=[
        Column("name", _l("Name"), sort=Device.name, width=170, link=("devices.detail", "device_id")),
        Column("hostname", _l("Hostname"), sort=Device.hostname, width=150),
        Column("username", _l("User"), sort=User.username, width=200),
        Column("org_name", _l("Organization"), sort=Org.name, then=(Org.id,), width=130),
        Column("os", _l("OS"), cell="os", sort=Device.os, width=100),
        Column("agent_version", _l("Version"), sort=Device.agent_version, width=90),
        Column("status", _l("Status"), cell="status", sort=Device.status, width=110),
        Column("last_connected", _l("Last connected"), cell="datetime", sort=Device.last_connected,
               nullable=True, width=150),
        Column("last_completed_backup", _l("Last completed backup"), cell="datetime",
               sort=Device.last_completed_backup, nullable=True, width=170),
        Column("percent_complete", _l("Complete"), cell="percent", sort=Device.percent_complete,
               numeric=True, width=100),
        Column("archive_bytes", _l("Archive size"), cell="bytes", sort=Device.archive_bytes,
               numeric=True, width=110),
    ],
)

register_list_routes(bp, DEVICE_LIST, "devices.view", "devices/index.html")


def _events_page_context(actor):
    return {"device": get_device(actor, request.args.get("device"), "forensics.search")}


DEVICE_EVENTS = ListSpec(
    key="device_events",
    endpoint="devices.file_events",
    query=events.device_event_list,
    default_sort="event_at",
    default_dir="desc",
    filters=("device",),
    export_name="file-events",
    page_context=_events_page_context,
    columns=file_event_columns(
        "event_at", "event_type", "file_name", "file_path", "file_size", "file_category", "exposure", "md5", "sha256",
        sortable=("event_at", "event_type", "file_name", "file_path", "file_size", "file_category", "exposure")),
)

register_list_routes(bp, DEVICE_EVENTS, "forensics.search", "devices/file_events.html", url="/file-events/")
