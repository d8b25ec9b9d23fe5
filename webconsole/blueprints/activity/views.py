"""User Activity: a user's file events over time, their devices and their exposure."""
from flask import request
from flask_babel import lazy_gettext as _l

from webconsole.blueprints.activity import bp
from webconsole.domain import activity, agents, exposure
from webconsole.models import FileEvent
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec


def _page_context(actor):
    user = activity.user_of(actor, request.args.get("user"))
    devices = activity.devices_of(user)
    return {"person": user, "devices": [(d, agents.is_online(d)) for d in devices],
            "board": exposure.board(actor, "P90D", user=user)}


TIMELINE = ListSpec(
    key="user_activity",
    endpoint="activity.index",
    query=activity.event_list,
    default_sort="event_at",
    default_dir="desc",
    filters=("user",),
    export_name="user-activity",
    page_context=_page_context,
    columns=[
        Column("event_at", _l("Time"), cell="datetime", sort=FileEvent.event_at, width=150,
               link=("forensics.event", "event_id"), panel="event-panel"),
        Column("event_type", _l("Event"), cell="file_event_type", width=100),
        Column("file_name", _l("File name"), width=200),
        Column("file_path", _l("Path"), width=240),
        Column("file_size", _l("Size"), cell="bytes", numeric=True, width=90),
        Column("hostname", _l("Hostname"), width=140),
        Column("exposure", _l("Exposure"), cell="exposure", width=210),
    ],
)

register_list_routes(bp, TIMELINE, "forensics.search", "activity/index.html")
