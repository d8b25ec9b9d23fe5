"""User Activity: a user's profile for an investigator (watchlists, risk profile, alerts, cases, devices,
file events over time, security events), or a choice of user."""
from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webconsole.blueprints.activity import bp
from webconsole.domain import activity, agents, exposure, watchlists
from webconsole.domain.listings import catalog
from webconsole.domain.scope import permissions_of
from webconsole.web.file_events import file_event_columns
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import ListSpec
from webconsole.web.permissions import require

# How the profile names an alert's state and severity (the codes of models.alerts.Alert).
ALERT_STATES = {"open": _l("Open"), "in_progress": _l("In progress"), "pending": _l("Pending"),
                "resolved": _l("Resolved"), "dismissed": _l("Dismissed")}
SEVERITIES = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High"), "critical": _l("Critical")}
CASE_STATUSES = {"open": _l("Open"), "closed": _l("Closed")}


def _page_context(actor, params):
    if params.filters.get("user") is None:
        return {"person": None, "watched": activity.watched_users(actor), "watched_lists": watchlists.WATCHLISTS}
    user = activity.user_of(actor, params.filters.get("user"))
    grace = agents.online_grace()
    context = {"person": user, "devices": [(d, agents.is_online(d, grace=grace)) for d in activity.devices_of(user)],
               "board": exposure.board(actor, "P90D", user=user), "alerts": activity.alerts_of(user),
               "cases": activity.cases_of(user), "security_events": activity.security_events(user),
               "watchlists": None, "risk": None, "risk_factors": watchlists.RISK_FACTORS,
               "lists": watchlists.WATCHLISTS, "alert_states": ALERT_STATES, "severities": SEVERITIES,
               "case_statuses": CASE_STATUSES}
    # The risk profile is shown to those who may see watchlists, for users in that scope too.
    if "watchlists.view" in permissions_of(actor) and watchlists.in_scope(actor, user):
        context.update(watchlists=watchlists.memberships_of(user.id), risk=watchlists.profile_of(user.id),
                       can_manage=watchlists.in_scope(actor, user, "watchlists.manage"))
    return context


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


@bp.get("/users")
@require("forensics.search")
def pick():
    """Search as you type: the users whose activity the investigator may see."""
    return render_template("activity/_picks.html", users=activity.pick_users(current_user, request.args.get("q", "")))
