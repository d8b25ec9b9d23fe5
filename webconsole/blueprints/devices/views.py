from flask import request
from flask_babel import lazy_gettext as _l

from webconsole.blueprints.devices import bp
from webconsole.domain import events
from webconsole.domain.devices import device_list
from webconsole.domain.users import org_choices
from webconsole.models import Device, FileEvent, Org, User
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
        Column("org_name", _l("Organization"), sort=Org.name, width=130),
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
    return {"device": events.device_of(actor, request.args.get("device"))}


DEVICE_EVENTS = ListSpec(
    key="device_events",
    endpoint="devices.file_events",
    query=events.device_event_list,
    default_sort="event_at",
    default_dir="desc",
    filters=("device",),
    export_name="file-events",
    page_context=_events_page_context,
    columns=[
        Column("event_at", _l("Time"), cell="datetime", sort=FileEvent.event_at, width=150),
        Column("event_type", _l("Event"), cell="file_event_type", sort=FileEvent.event_type, width=100),
        Column("file_name", _l("File name"), sort=FileEvent.file_name, width=200),
        Column("file_path", _l("Path"), sort=FileEvent.file_path, width=260),
        Column("file_size", _l("Size"), cell="bytes", sort=FileEvent.file_size, nullable=True, numeric=True,
               width=90),
        Column("file_category", _l("Category"), cell="file_category", sort=FileEvent.file_category, width=130),
        Column("exposure", _l("Exposure"), cell="exposure", sort=FileEvent.exposure, width=210),
        Column("md5", _l("MD5"), cell="code", width=270),
        Column("sha256", _l("SHA-256"), cell="code", width=300),
    ],
)

register_list_routes(bp, DEVICE_EVENTS, "forensics.search", "devices/file_events.html", url="/file-events/")
