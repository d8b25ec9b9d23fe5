"""Tables only; rules live in webconsole.domain."""
from webconsole.models.audit import AuditEvent
from webconsole.models.commands import DeviceCommand
from webconsole.models.connections import DataConnection, IngestError
from webconsole.models.deployment import DeploymentPolicy
from webconsole.models.devices import BackupState, Destination, Device
from webconsole.models.events import FileEvent
from webconsole.models.exports import ExportProgress
from webconsole.models.forensics import SavedSearch
from webconsole.models.jobs import Job
from webconsole.models.orgs import Org, OrgDestinationTotals, OrgTotals
from webconsole.models.preferences import ListPreference
from webconsole.models.properties import ServerProperty
from webconsole.models.sessions import UserSession
from webconsole.models.settings import DeviceSettings, OrgEffectiveSettings, OrgSettings
from webconsole.models.updates import AgentVersion
from webconsole.models.usage import StorageUsage
from webconsole.models.users import Role, RolePermission, SignInAttempt, User, user_roles

__all__ = [
    "AgentVersion", "AuditEvent", "BackupState", "DataConnection", "DeploymentPolicy", "Destination", "Device",
    "DeviceCommand", "DeviceSettings", "ExportProgress", "FileEvent", "IngestError", "Job", "ListPreference", "Org",
    "OrgDestinationTotals", "OrgEffectiveSettings", "OrgTotals",
    "OrgSettings", "Role", "RolePermission", "SavedSearch", "ServerProperty", "SignInAttempt", "StorageUsage", "User",
    "UserSession", "user_roles",
]
