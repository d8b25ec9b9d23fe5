"""The cells of the watchlists' columns (see webconsole.web.cells): a watched user, their risk factors,
the search of their events and what one may do with them."""
from flask import url_for
from flask_babel import gettext as _
from markupsafe import escape

from webconsole.domain import watchlists as watchlist_labels
from webconsole.web.permissions import can
from webconsole.web.urls import user_events_url


def risk_factors(values, key, f):
    return " ".join(f'<span class="badge badge-risk">{f.label(watchlist_labels.RISK_FACTORS, factor)}</span>'
                    for factor in values[key] or ())


def watched_user(values, key, f):
    """A watched user's name opening their profile (User Activity), and their username."""
    profile = escape(url_for("activity.index", user=values["id"]))
    name = escape(" ".join(p for p in (values["first_name"], values["last_name"]) if p) or values["username"])
    return f'<a href="{profile}">{name}</a> <span class="muted">{escape(values["username"])}</span>'


def user_search(values, key, f):
    """A Forensic Search of the row's user's events of the last 90 days."""
    search = escape(user_events_url(values["username"]))
    return f'<a href="{search}">{escape(_("Forensic Search"))}</a>'


def watch_actions(values, key, f):
    """Edit the member's profile, or take them off the list (for those who manage watchlists)."""
    if not can("watchlists.manage"):
        return ""
    edit = escape(url_for("watchlists.profile", user_id=values["id"]))
    remove = escape(url_for("watchlists.remove", list_key=values["watchlist"], user_id=values["id"]))
    return (f'<a href="{edit}">{escape(_("Edit"))}</a> · '
            f'<a href="{remove}">{escape(_("Remove"))}</a>')


WATCHLIST_CELLS = {"watch_actions": watch_actions, "user_search": user_search, "risk_factors": risk_factors,
                   "watched_user": watched_user}
