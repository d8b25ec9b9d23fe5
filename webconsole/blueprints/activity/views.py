"""User Activity: a user's file events over time, their devices and their exposure."""
from webconsole.blueprints.activity import bp
from webconsole.domain import activity, agents, exposure
from webconsole.domain.listings import catalog
from webconsole.web.file_events import file_event_columns
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import ListSpec


def _page_context(actor, params):
    user = activity.user_of(actor, params.filters.get("user"))
    grace = agents.online_grace()
    return {"person": user, "devices": [(d, agents.is_online(d, grace=grace)) for d in activity.devices_of(user)],
            "board": exposure.board(actor, "P90D", user=user)}


TIMELINE = ListSpec(
    listing=catalog.USER_ACTIVITY,
    endpoint="activity.index",
    export_name="user-activity",
    page_context=_page_context,
    choosable=True,
    columns=file_event_columns("event_at", "event_type", "file_name", "file_path", "file_size", "file_category",
                               "hostname", "source", "exposure", "sync_destination", "media_name", "tab_urls",
                               "email_subject", "email_recipients", "sha256", details=True,
                               optional=("file_category", "source", "sync_destination", "media_name", "tab_urls",
                                         "email_subject", "email_recipients", "sha256")),
)

register_list_routes(bp, TIMELINE, "forensics.search", "activity/index.html")
