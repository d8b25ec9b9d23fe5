"""Permission strings and the built-in roles of the original product, with their scopes."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.extensions import db
from webconsole.models import Role, RolePermission

PERMISSIONS = {
    "dashboard.view": _l("View the administration dashboard"),
    "reports.view": _l("Run and export reports"),
    "orgs.view": _l("View organizations"),
    "orgs.edit": _l("Create and change organizations and their device defaults"),
    "users.view": _l("View users"),
    "users.edit": _l("Create and change users and their roles"),
    "devices.view": _l("View devices and their backup status"),
    "devices.edit": _l("Change, block and deactivate devices"),
    "devices.restore": _l("Restore files from devices' backups"),
    "destinations.manage": _l("Add storage destinations"),
    "audit.view": _l("View the audit log"),
    "console.cli": _l("Use the console command line"),
    "updates.manage": _l("Manage the agent versions offered to devices"),
    "clients.manage": _l("Manage deployment policies for installing agents"),
    "forensics.search": _l("Search file events"),
    "connections.manage": _l("Manage data connections that bring in file events from cloud services"),
    "alerts.manage": _l("Review and triage alerts"),
    "alerts.rules": _l("Create and change alert rules"),
    "cases.manage": _l("Open and work on cases"),
    "watchlists.view": _l("View watchlists and users' risk profiles"),
    "watchlists.manage": _l("Manage watchlists"),
    "legalhold.manage": _l("Manage legal hold matters and policies"),
    "api_clients.manage": _l("Create and revoke API clients"),
    "identity.manage": _l("Configure single sign-on through identity providers"),
    "jobs.view": _l("See one's own background jobs and download their results"),
    "jobs.view_all": _l("See everyone's background jobs"),
}

@dataclass(frozen=True)
class BuiltinRole:
    key: str
    name: str
    scope: str
    permissions: frozenset


BUILTIN_ROLES = [
    BuiltinRole("cloud_admin", "Customer Cloud Admin", "all", frozenset(PERMISSIONS)),
    BuiltinRole("org_admin", "Org Admin", "subtree", frozenset({
        "dashboard.view", "reports.view", "orgs.view", "orgs.edit", "users.view", "users.edit", "devices.view",
        "devices.edit", "devices.restore",
    })),
    BuiltinRole("security_admin", "Security Administrator", "all", frozenset({
        "forensics.search", "connections.manage", "alerts.manage", "alerts.rules", "cases.manage",
        "watchlists.view", "watchlists.manage",
    })),
    BuiltinRole("insider_risk_analyst", "Insider Risk Analyst", "all", frozenset({
        "forensics.search", "alerts.manage", "cases.manage", "watchlists.view",
    })),
    BuiltinRole("legal_hold_admin", "Legal Hold Administrator", "all", frozenset({
        "legalhold.manage", "users.view",
    })),
    BuiltinRole("audit_viewer", "Audit Log Viewer", "all", frozenset({"audit.view"})),
    BuiltinRole("help_desk", "Help Desk", "all", frozenset({"dashboard.view", "reports.view", "users.view",
                                                            "devices.view"})),
    BuiltinRole("desktop_user", "Desktop User", "self", frozenset({"devices.view"})),
]
# Every role may follow the background jobs its holder started (jobs.view_all is for seeing others').
BUILTIN_ROLES = [BuiltinRole(r.key, r.name, r.scope, r.permissions | {"jobs.view"}) for r in BUILTIN_ROLES]

# Translatable display names; the database keeps the English name for exports and the API.
ROLE_LABELS = {
    "cloud_admin": _l("Customer Cloud Admin"),
    "org_admin": _l("Org Admin"),
    "security_admin": _l("Security Administrator"),
    "insider_risk_analyst": _l("Insider Risk Analyst"),
    "legal_hold_admin": _l("Legal Hold Administrator"),
    "audit_viewer": _l("Audit Log Viewer"),
    "help_desk": _l("Help Desk"),
    "desktop_user": _l("Desktop User"),
}


def sync_builtin_roles():
    """Create or update the built-in roles so they match this release's definitions."""
    existing = {r.key: r for r in db.session.scalars(select(Role))}
    for spec in BUILTIN_ROLES:
        role = existing.get(spec.key)
        if role is None:
            role = Role(key=spec.key, builtin=True)
            db.session.add(role)
        role.name, role.scope = spec.name, spec.scope
        have = {p.permission for p in role.permissions}
        for perm in spec.permissions - have:
            role.permissions.append(RolePermission(permission=perm))
        role.permissions[:] = [p for p in role.permissions if p.permission in spec.permissions]
    db.session.commit()


def role_by_key(key):
    """The role with this key, or None."""
    return db.session.scalar(select(Role).where(Role.key == key))


def role_label(role):
    """The role's name in the user's language."""
    return ROLE_LABELS.get(role.key, role.name)
