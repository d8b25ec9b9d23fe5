"""The left navigation: groups of built sections, each shown only to roles that may use it."""
from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webconsole.domain.scope import scope_for
from webconsole.web.permissions import can


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    permission: str
    icon: str
    # True: shown only to those who hold `permission` for themselves alone (a Desktop User's own
    # devices); False: only to those who hold it for others; None: to both.
    own: bool | None = None

    def visible(self):
        """Does the signed-in user see this entry?"""
        if not can(self.permission):
            return False
        return self.own is None or (scope_for(current_user, self.permission).kind == "self") == self.own


# A section gets an entry here only once it is built.
NAVIGATION = [
    (_l("Backup"), [
        NavItem("home.devices", _l("My devices"), "devices.view", "device", own=True),
    ]),
    (_l("Administration"), [
        NavItem("dashboard.index", _l("Dashboard"), "dashboard.view", "dashboard"),
        NavItem("orgs.index", _l("Organizations"), "orgs.view", "org"),
        NavItem("users.index", _l("Users"), "users.view", "users"),
        NavItem("devices.index", _l("Devices"), "devices.view", "device", own=False),
        NavItem("destinations.index", _l("Destinations"), "dashboard.view", "storage"),
        NavItem("updates.index", _l("App Updates"), "updates.manage", "update"),
        NavItem("clients.index", _l("Client Management"), "clients.manage", "device"),
        NavItem("subscription.index", _l("Subscription"), "orgs.view", "key"),
        NavItem("identity.index", _l("API Clients"), "api_clients.manage", "plug"),
        NavItem("single_sign_on.index", _l("Single sign-on"), "identity.manage", "key"),
        NavItem("reports.index", _l("Reports"), "reports.view", "report"),
        NavItem("audit.index", _l("Audit Log"), "audit.view", "audit"),
    ]),
    (_l("Insider risk"), [
        NavItem("exposure.index", _l("Risk Exposure"), "forensics.search", "dashboard"),
        NavItem("watchlists.index", _l("Watchlists"), "watchlists.view", "users"),
        NavItem("alerts.index", _l("Alerts"), "alerts.manage", "audit"),
        NavItem("cases.index", _l("Cases"), "cases.manage", "report"),
        NavItem("activity.index", _l("User Activity"), "forensics.search", "user"),
        NavItem("forensics.index", _l("Forensic Search"), "forensics.search", "search"),
        NavItem("connections.index", _l("Data Connections"), "connections.manage", "plug"),
    ]),
    (_l("Legal Hold"), [
        NavItem("matters.index", _l("Matters"), "legalhold.manage", "briefcase"),
        NavItem("policies.index", _l("Preservation Policies"), "legalhold.manage", "lock"),
    ]),
]


MY_DEVICES = NAVIGATION[0][1][0]


def devices_home():
    """(URL, label) of where a device page belongs: the user's own devices, or the Devices section."""
    if MY_DEVICES.visible():
        return url_for(MY_DEVICES.endpoint), MY_DEVICES.label
    return url_for("devices.index"), _l("Devices")


def visible_navigation():
    """[(group label, [(item, url, active)])] for the signed-in user; empty groups left out."""
    current = request.blueprint
    groups = []
    for label, items in NAVIGATION:
        shown = [(item, url_for(item.endpoint), item.endpoint.split(".")[0] == current)
                 for item in items if item.visible()]
        if shown:
            groups.append((label, shown))
    return groups


# Where a role's work starts, when it has the section: an overview before any list.
HOMES = ("home.devices", "dashboard.index", "exposure.index", "matters.index")


def home_endpoint():
    """Where a user lands after signing in: their overview, else their first section, else their profile."""
    for _label, items in NAVIGATION:
        for item in items:
            if item.endpoint in HOMES and item.visible():
                return item.endpoint
    for _label, items in NAVIGATION:
        for item in items:
            if item.visible():
                return item.endpoint
    return "account.profile"
