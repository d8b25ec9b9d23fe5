"""Tables only; rules live in webconsole.domain."""
from webconsole.models.alerts import (
    Alert,
    AlertChange,
    AlertEvent,
    AlertRule,
    ExposureCount,
    NotificationMark,
    OutgoingMail,
    alert_rule_users,
)
from webconsole.models.api_clients import ApiClient, api_client_roles
from webconsole.models.audit import AuditEvent
from webconsole.models.cases import Case, CaseEvent
from webconsole.models.commands import DeviceCommand
from webconsole.models.connections import DataConnection, IngestError
from webconsole.models.deployment import DeploymentPolicy
from webconsole.models.devices import BackupState, Destination, Device
from webconsole.models.events import FileEvent
from webconsole.models.exports import ExportProgress
from webconsole.models.forensics import SavedSearch
from webconsole.models.jobs import Job
from webconsole.models.legal_hold import Collection, Custodian, HoldEvent, Matter, PreservationPolicy
from webconsole.models.orgs import Org, OrgDestinationTotals, OrgTotals
from webconsole.models.preferences import ListPreference
from webconsole.models.properties import ServerProperty
from webconsole.models.sessions import UserSession
from webconsole.models.settings import DeviceSettings, OrgEffectiveSettings, OrgSettings
from webconsole.models.sso import IdentityProvider, identity_provider_orgs
from webconsole.models.storage import DeviceKey, Repository, Restore
from webconsole.models.two_factor import RecoveryCode, TwoFactor
from webconsole.models.updates import AgentVersion
from webconsole.models.usage import StorageUsage
from webconsole.models.users import Role, RolePermission, SignInAttempt, User, user_roles
from webconsole.models.watchlists import RiskProfile, WatchlistChange, WatchlistMember

__all__ = [
    "AgentVersion", "Alert", "ApiClient", "AlertChange", "AlertEvent", "AlertRule", "AuditEvent", "BackupState", "Case",
    "CaseEvent", "Collection", "Custodian", "DataConnection", "DeploymentPolicy", "Destination", "Device",
    "DeviceCommand", "DeviceKey", "DeviceSettings", "ExportProgress", "ExposureCount", "FileEvent", "HoldEvent",
    "IdentityProvider", "IngestError", "Job", "ListPreference", "Matter", "NotificationMark", "Org",
    "OrgDestinationTotals", "OrgEffectiveSettings", "OrgSettings", "OrgTotals", "OutgoingMail", "PreservationPolicy",
    "RecoveryCode", "Repository", "Restore", "RiskProfile", "Role", "RolePermission", "SavedSearch", "ServerProperty",
    "SignInAttempt", "StorageUsage", "TwoFactor", "User", "UserSession", "WatchlistChange", "WatchlistMember",
    "alert_rule_users", "api_client_roles", "identity_provider_orgs", "user_roles",
]
