"""The console's listings: for each list, its scoped query, its filters and its sorts.

Every door pages through these: the browser's lists and their exports, the console command line
and the API. The queries live with their area (domain.devices.device_list, ...); what may be
filtered and sorted, and how a filter's value is read, is declared here once.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from webconsole.domain import (
    activity,
    alert_rules,
    alerts,
    api_clients,
    audit,
    backup_alerts,
    cases,
    connections,
    events,
    forensics,
    jobs,
    legal_hold,
    legal_hold_lookups,
    orgs,
    reports,
    watchlists,
)
from webconsole.domain.agents import OS_NAMES
from webconsole.domain.devices import TRANSITIONS, device_list
from webconsole.domain.listings.engine import Listing, Sort
from webconsole.domain.listings.filters import Choice, Day, Id, Number, Text
from webconsole.domain.org_tree import org_tree
from webconsole.domain.users import ORG_CHOICES_MAX, role_choices, user_list
from webconsole.models import (
    Alert,
    AlertRule,
    ApiClient,
    AuditEvent,
    Case,
    Custodian,
    DataConnection,
    Device,
    FileEvent,
    HoldEvent,
    Job,
    Matter,
    Org,
    PreservationPolicy,
    User,
)
from webconsole.models.watchlists import RiskProfile, WatchlistChange, WatchlistMember

DEVICE_STATUSES = tuple(sorted({status for sources, target in TRANSITIONS.values() for status in (*sources, target)}))
ACTIVE_OR_NOT = ("active", "deactivated")
USER_STATUSES = ("active", "blocked", "deactivated")  # "blocked": the users with the flag (see users.user_list)
GB_MAX = 10**9  # a billion gigabytes (an exabyte) still fits a 64-bit count of bytes


def _orgs(permission, label=None):
    """The organization filter: an org and every org below it, chosen among those `permission` reaches."""
    def choices(actor, chosen):
        return org_tree(actor, permission, limit=ORG_CHOICES_MAX, include=chosen)

    return Id("org", label or _l("Organization"), choices=choices, message=_l("No such organization."))


def _device_filters(permission):
    return (_orgs(permission), Choice("status", _l("Status"), DEVICE_STATUSES),
            Choice("os", _l("OS"), tuple(sorted(OS_NAMES))), Choice("alert", _l("Alert"), tuple(backup_alerts.LEVELS)))


def _sorts(*columns, nullable=(), then=None):
    """{key: Sort} of model columns sorted by their own value (keyed by their attribute's name)."""
    then = then or {}
    return {c.key: Sort(c, nullable=c.key in nullable, then=then.get(c.key, ())) for c in columns}


ORG_NAME = {"org_name": Sort(Org.name, then=(Org.id,))}

# Filters the REST API adds to its pages (py42 asks by exact username, e-mail, owner, GUID...): hidden
# from the browser's toolbars, typed and scoped like the others.
API_USER_FILTERS = (Text("username", "username", max_length=255, hidden=True),
                    Text("email", "email", max_length=255, hidden=True),
                    Choice("blocked", "blocked", ("yes", "no"), hidden=True))
API_DEVICE_FILTERS = (Id("user", _l("User"), hidden=True, message=_l("No such user.")),
                      Choice("active", "active", ("yes", "no"), hidden=True),
                      Choice("blocked", "blocked", ("yes", "no"), hidden=True),
                      Text("guid", "guid", max_length=32, hidden=True))

DEVICES = Listing(
    key="devices", query=device_list, default_sort="name",
    filters=(*_device_filters("devices.view"), *API_DEVICE_FILTERS),
    sorts={**_sorts(Device.name, Device.hostname), "username": Sort(User.username), **ORG_NAME,
           **_sorts(Device.os, Device.agent_version, Device.status, Device.last_connected,
                    Device.last_completed_backup, Device.percent_complete, Device.archive_bytes,
                    nullable=("last_connected", "last_completed_backup"))},
)

USERS = Listing(
    key="users", query=user_list, default_sort="username",
    filters=(_orgs("users.view"), Choice("role", _l("Role"), choices=lambda actor: role_choices()),
             Choice("status", _l("Status"), USER_STATUSES), *API_USER_FILTERS),
    sorts={"username": Sort(User.username), "name": Sort(User.last_name), **ORG_NAME, "status": Sort(User.status),
           "last_signin_at": Sort(User.last_signin_at, nullable=True), "created_at": Sort(User.created_at)},
)

ORGS = Listing(
    key="orgs", query=orgs.org_list, default_sort="name", filters=(Choice("status", _l("Status"), ACTIVE_OR_NOT),),
    # Names case-insensitively ("Americas" before "APAC"), as the tree and the pickers order them.
    sorts={"name": Sort(func.lower(Org.name), then=(Org.name,)), "parent_name": Sort(orgs.Parent.name, nullable=True),
           "ext_ref": Sort(Org.ext_ref),
           "status": Sort(Org.status), "user_count": Sort(orgs.user_count), "device_count": Sort(orgs.device_count),
           "created_at": Sort(Org.created_at)},
)

AUDIT = Listing(
    key="audit", query=audit.audit_list, default_sort="at", default_dir="desc",
    # Event and object types are open codes: any that was ever recorded may be asked for.
    filters=(Choice("event", _l("Event")), Choice("object", _l("Object type")), Text("actor", _l("Actor")),
             Day("since", _l("From")), Day("until", _l("To"))),
    sorts=_sorts(AuditEvent.at, AuditEvent.actor_username, AuditEvent.event_type),
)

ORG_REPORT = Listing(
    key="report-orgs", query=reports.org_report, default_sort="name",
    filters=(Choice("status", _l("Status"), ACTIVE_OR_NOT),),
    sorts=_sorts(Org.name, Org.status, Org.created_at),
)

USER_REPORT = Listing(
    key="report-users", query=reports.user_report, default_sort="username",
    filters=(_orgs("reports.view"), Choice("status", _l("User status"), ACTIVE_OR_NOT),
             Number("min_gb", _l("Storage at least (GB)"), maximum=GB_MAX, message=_l("Enter a number of gigabytes.")),
             Number("max_gb", _l("Storage at most (GB)"), maximum=GB_MAX, message=_l("Enter a number of gigabytes."))),
    sorts={**_sorts(User.first_name, User.last_name, User.username, User.archive_bytes, User.status), **ORG_NAME},
)

DEVICE_REPORT = Listing(
    key="report-devices", query=reports.device_report, default_sort="name", filters=_device_filters("reports.view"),
    sorts={"name": Sort(Device.name), "username": Sort(User.username), **ORG_NAME,
           **_sorts(Device.os, Device.agent_version, Device.status, Device.last_connected, Device.last_backup,
                    Device.last_completed_backup, Device.percent_complete, Device.selected_bytes,
                    Device.archive_bytes, nullable=("last_connected", "last_backup", "last_completed_backup"))},
)

CONNECTIONS = Listing(
    key="connections", query=connections.connection_list, default_sort="name",
    filters=(Choice("kind", _l("Kind"), {k: connections.KINDS[k].label for k in sorted(connections.KINDS)}),
             Choice("status", _l("Status"), connections.STATUSES)),
    sorts=_sorts(DataConnection.name, DataConnection.kind, DataConnection.status, DataConnection.last_event_at,
                 DataConnection.events_received, DataConnection.events_rejected, DataConnection.created_at,
                 nullable=("last_event_at",)),
)


def _event_sorts(*keys):
    return _sorts(*(getattr(FileEvent, k) for k in keys), nullable=("file_size",))


# A search's date range and filter rows (forensics.SEARCH_ARGS) are read by forensics.parse, which
# names the row input it refuses; here they are text of a bounded length.
FORENSIC_SEARCH = Listing(
    key="forensic_search", query=forensics.search, default_sort="event_at", default_dir="desc",
    filters=tuple(Text(name, name, max_length=forensics.VALUE_MAX, hidden=True) for name in forensics.SEARCH_ARGS),
    sorts=_event_sorts("event_at"),
)

DEVICE_EVENTS = Listing(
    key="device_events", query=events.device_event_list, default_sort="event_at", default_dir="desc",
    filters=(Id("device", _l("Device"), hidden=True, message=_l("No such device.")),),
    sorts=_event_sorts("event_at", "event_type", "file_name", "file_path", "file_size", "file_category", "exposure"),
)

USER_ACTIVITY = Listing(
    key="user_activity", query=activity.event_list, default_sort="event_at", default_dir="desc",
    filters=(Id("user", _l("User"), hidden=True, message=_l("No such user.")),),
    sorts=_event_sorts("event_at"),
)

JOBS = Listing(
    key="jobs", query=jobs.jobs_list, default_sort="created_at", default_dir="desc",
    filters=(Choice("state", _l("State"), jobs.STATES),),
    sorts=_sorts(Job.created_at, Job.label, Job.state, Job.finished_at, nullable=("finished_at",)),
)

def _watchlist(key, quick):
    """The members of one watchlist, with its quick filters."""
    return Listing(
        key=f"watchlist_{key}", query=lambda actor, params: watchlists.member_list(actor, params, key),
        default_sort="added_at", default_dir="desc",
        filters=(_orgs("watchlists.view"),
                 Choice("quick", _l("Quick filter"), {k: watchlists.QUICK_FILTERS[k] for k in quick}, hidden=True)),
        sorts={"username": Sort(User.username), "name": Sort(User.last_name), **ORG_NAME,
               "departure_date": Sort(RiskProfile.departure_date, nullable=True),
               "added_at": Sort(WatchlistMember.added_at)},
    )


WATCHLISTS = {"departing": _watchlist("departing", watchlists.DEPARTING_QUICK),
              "high_risk": _watchlist("high_risk", watchlists.HIGH_RISK_QUICK)}

WATCHLIST_HISTORY = Listing(
    key="watchlist_history", query=watchlists.history_list, default_sort="at", default_dir="desc",
    filters=(Choice("list", _l("Watchlist"), watchlists.WATCHLISTS),
             Id("user", _l("User"), hidden=True, message=_l("No such user."))),
    sorts=_sorts(WatchlistChange.at),
)

# Users' risk profiles, as the API pages through them (every user in scope has one).
RISK_PROFILES = Listing(
    key="risk_profiles", query=watchlists.profile_list, default_sort="username",
    filters=(Choice("active", "active", ("yes", "no"), hidden=True),),
    sorts={"username": Sort(User.username)},
)

ALERTS = Listing(
    key="alerts", query=alerts.alert_list, default_sort="created_at", default_dir="desc",
    filters=(Choice("state", _l("State"), alerts.STATES), Choice("severity", _l("Severity"), alert_rules.SEVERITIES),
             Id("rule", _l("Rule"), choices=lambda actor, chosen: alert_rules.rule_choices(actor),
                message=_l("No such alert rule.")),
             Id("user", _l("User"), hidden=True, message=_l("No such user.")),
             Choice("watchlist", _l("Watchlist"), ("departing", "high_risk")),
             Day("since", _l("From")), Day("until", _l("To"))),
    sorts={**_sorts(Alert.created_at, Alert.state, Alert.name, Alert.username, Alert.file_count, Alert.total_bytes),
           "severity": Sort(alert_rules.severity_rank(Alert.severity))},
)

ALERT_RULES = Listing(
    key="alert_rules", query=alert_rules.rule_list, default_sort="name",
    filters=(Choice("severity", _l("Severity"), alert_rules.SEVERITIES),
             Choice("vector", _l("Vector"), tuple(alert_rules.VECTORS))),
    sorts={**_sorts(AlertRule.name, AlertRule.vector, AlertRule.watch, AlertRule.enabled, AlertRule.created_at,
                    AlertRule.modified_at),
           "severity": Sort(alert_rules.severity_rank(AlertRule.severity))},
)

CASES = Listing(
    key="cases", query=cases.case_list, default_sort="created_at", default_dir="desc",
    filters=(Choice("status", _l("Status"), cases.STATUSES),
             Id("assignee", _l("Assignee"), choices=lambda actor, chosen: cases.assignee_choices(actor, chosen=chosen),
                message=_l("No such user.")),
             Id("subject", _l("Subject"), hidden=True, message=_l("No such user.")),
             # The API's filters: a name contained, assigned or not, created or updated within "START/END".
             Text("name", "name", max_length=100, hidden=True),
             Choice("assigned", "assigned", ("yes", "no"), hidden=True),
             Text("created", "createdAt", max_length=80, hidden=True),
             Text("updated", "updatedAt", max_length=80, hidden=True)),
    sorts={**_sorts(Case.name, Case.subject_username, Case.status, Case.created_at, Case.updated_at),
           "assignee": Sort(cases.Assignee.username, nullable=True), "number": Sort(Case.id)},
)

MATTERS = Listing(
    key="matters", query=legal_hold.matter_list, default_sort="created_at", default_dir="desc",
    filters=(Choice("status", _l("Status"), legal_hold.STATUSES),
             Id("creator", "creator", hidden=True), Text("name", "name", max_length=100, hidden=True),
             Text("reference", "reference", max_length=255, hidden=True)),
    sorts=_sorts(Matter.name, Matter.created_by_username, Matter.created_at, Matter.status, Matter.custodian_count,
                 Matter.reference),
)

PRESERVATION_POLICIES = Listing(
    key="preservation_policies", query=legal_hold.policy_list, default_sort="name",
    sorts=_sorts(PreservationPolicy.name, PreservationPolicy.created_by_username, PreservationPolicy.created_at,
                 PreservationPolicy.updated_at),
)

CUSTODIANS = Listing(
    key="custodians", query=legal_hold.custodian_list, default_sort="username",
    filters=(Id("matter", _l("Matter"), hidden=True, message=_l("No such matter.")),
             Choice("state", _l("Membership"), ("active", "removed"))),
    sorts={"username": Sort(User.username), "email": Sort(User.email, nullable=True), **ORG_NAME,
           "active": Sort(Custodian.active), "created_at": Sort(Custodian.created_at),
           "updated_at": Sort(Custodian.updated_at)},
)

# The REST API's searches of memberships and of matters' history (no page of the browser lists them so).
MEMBERSHIPS = Listing(
    key="memberships", query=legal_hold_lookups.membership_list, default_sort="created_at",
    filters=(Id("matter", "matter", hidden=True), Id("user", "user", hidden=True),
             Text("uid", "uid", max_length=32, hidden=True), Text("username", "username", max_length=255, hidden=True),
             Choice("state", "state", ("active", "removed"), hidden=True)),
    sorts=_sorts(Custodian.created_at),
)

HOLD_EVENTS = Listing(
    key="hold_events", query=legal_hold_lookups.event_list, default_sort="at",
    filters=(Id("matter", "matter", hidden=True), Day("since", "since", hidden=True),
             Day("until", "until", hidden=True)),
    sorts=_sorts(HoldEvent.at),
)

API_CLIENTS = Listing(
    key="api_clients", query=api_clients.client_list, default_sort="created_at", default_dir="desc",
    filters=(Choice("state", _l("State"), ("active", "revoked")),),
    sorts=_sorts(ApiClient.name, ApiClient.created_at, ApiClient.last_used_at, nullable=("last_used_at",)),
)
