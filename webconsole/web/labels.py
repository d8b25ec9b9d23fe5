"""Display labels for stored codes, translated at render time."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p

from webconsole.domain.connections import KINDS

STATUS = {
    "active": _l("Active"),
    "deactivated": _l("Deactivated"),
    "blocked": _l("Blocked"),
    "deauthorized": _l("Deauthorized"),
    "paused": _l("Paused"),
    "removed": _l("Removed"),
}

# Product names are not translated.
OS = {"windows": "Windows", "macos": "macOS", "linux": "Linux"}
# The Account menu's colour themes (web/themes.py), in the menu's order.
THEMES = {"system": _l("Same as the system"), "light": _l("Light"), "dark": _l("Dark")}


def os_text(os, version):
    """"macOS 14.7" for a device: agents report versions that name the system already ("macOS 14.7",
    "Windows 11 23H2"), so the system's name goes first only where the version lacks it ("Linux Debian 12")."""
    name = OS.get(os, os or "")
    version = (version or "").strip()
    if not version:
        return name
    return version if version.lower().startswith(name.lower()) else f"{name} {version}"

AUDIT_EVENTS = {
    "signin": _l("Signed in"),
    "search.save": _l("Forensic search saved"),
    "search.delete": _l("Saved forensic search deleted"),
    "connection.create": _l("Data connection added"),
    "watchlist.add": _l("Added to a watchlist"),
    "watchlist.remove": _l("Removed from a watchlist"),
    "watchlist.profile": _l("Risk profile changed"),
    "connection.update": _l("Data connection changed"),
    "connection.pause": _l("Data connection paused"),
    "connection.resume": _l("Data connection resumed"),
    "connection.rotate": _l("Data connection token replaced"),
    "connection.remove": _l("Data connection removed"),
    "alert_rule.create": _l("Alert rule added"),
    "alert_rule.update": _l("Alert rule changed"),
    "alert_rule.enable": _l("Alert rule enabled"),
    "alert_rule.disable": _l("Alert rule disabled"),
    "alert_rule.delete": _l("Alert rule deleted"),
    "alert.state": _l("Alert state changed"),
    "alert.assign": _l("Alert assigned"),
    "alert.note": _l("Note added to an alert"),
    "alert.bulk_state": _l("Alerts changed together"),
    "case.create": _l("Case opened"),
    "case.update": _l("Case changed"),
    "case.close": _l("Case closed"),
    "case.reopen": _l("Case reopened"),
    "case.events_add": _l("Events added to a case"),
    "case.events_remove": _l("Events removed from a case"),
    "signin.failed": _l("Sign-in failed"),
    "signin.throttled": _l("Sign-in refused (too many failures)"),
    "signin.2fa_failed": _l("Sign-in failed (wrong two-factor code)"),
    "signin.2fa_recovery": _l("Signed in with a recovery code"),
    "signout": _l("Signed out"),
    "access.refused": _l("Access refused"),
    "account.update": _l("Own profile changed"),
    "account.password": _l("Own password changed"),
    "account.locale": _l("Own language changed"),
    "account.theme": _l("Own theme changed"),
    "account.session_end": _l("Own session signed out"),
    "account.signout_everywhere": _l("Signed out everywhere"),
    "account.2fa_enrol": _l("Two-factor sign-in turned on"),
    "account.2fa_recovery_codes": _l("Recovery codes replaced"),
    "account.2fa_disable": _l("Two-factor sign-in turned off"),
    "org.create": _l("Organization created"),
    "org.update": _l("Organization changed"),
    "org.move": _l("Organization moved"),
    "org.deactivate": _l("Organization deactivated"),
    "org.reactivate": _l("Organization reactivated"),
    "org.registration_key": _l("Registration key regenerated"),
    "settings.own": _l("Device defaults: own values"),
    "settings.inherit": _l("Device defaults: inherit from parent"),
    "settings.save": _l("Device defaults saved"),
    "settings.push": _l("Device defaults pushed"),
    "settings.lock": _l("Device defaults locked"),
    "user.create": _l("User created"),
    "user.update": _l("User changed"),
    "user.roles": _l("User roles changed"),
    "user.password_reset": _l("User password reset"),
    "user.move": _l("User moved"),
    "user.deactivate": _l("User deactivated"),
    "user.reactivate": _l("User reactivated"),
    "user.block": _l("User blocked"),
    "user.unblock": _l("User unblocked"),
    "user.2fa_reset": _l("User two-factor sign-in reset"),
    "device.register": _l("Device registered"),
    "device.command": _l("Command sent to device"),
    "console.command": _l("Console command"),
    "property.set": _l("Server property changed"),
    "retention.prune": _l("Old entries pruned (retention)"),
    "job.cancel": _l("Job cancelled"),
    "deployment.create": _l("Deployment policy created"),
    "deployment.delete": _l("Deployment policy deleted"),
    "update.version_add": _l("Agent version added"),
    "update.version_block": _l("Agent version blocked"),
    "update.version_unblock": _l("Agent version unblocked"),
    "device.rename": _l("Device renamed"),
    "device.restore": _l("Files restored"),
    "destination.create": _l("Destination added"),
    "device.settings": _l("Device settings changed"),
    "device.deactivate": _l("Device deactivated"),
    "device.reactivate": _l("Device reactivated"),
    "device.block": _l("Device blocked"),
    "device.unblock": _l("Device unblocked"),
    "device.deauthorize": _l("Device deauthorized"),
    "api_client.create": _l("API client created"),
    "api_client.revoke": _l("API client revoked"),
    "sso.create": _l("Identity provider added"),
    "sso.update": _l("Identity provider changed"),
    "sso.enable": _l("Identity provider enabled"),
    "sso.disable": _l("Identity provider disabled"),
    "sso.delete": _l("Identity provider deleted"),
    "sso.discovery_test": _l("Identity provider's discovery tested"),
    "legalhold.policy_create": _l("Preservation policy created"),
    "legalhold.policy_update": _l("Preservation policy changed"),
    "legalhold.policy_delete": _l("Preservation policy deleted"),
    "legalhold.matter_create": _l("Matter created"),
    "legalhold.matter_update": _l("Matter changed"),
    "legalhold.matter_deactivate": _l("Matter deactivated"),
    "legalhold.matter_reactivate": _l("Matter reactivated"),
    "legalhold.custodian_add": _l("Custodians added"),
    "legalhold.custodian_remove": _l("Custodians removed"),
    "legalhold.custodian_reactivate": _l("Custodians reactivated"),
    "legalhold.collect": _l("Matter collected"),
    "legalhold.collection_download": _l("Legal hold package downloaded"),
}

OBJECT_TYPES = {
    "org": _l("Organization"),
    "user": _l("User"),
    "device": _l("Device"),
    "destination": _l("Storage destination"),
    "console": _l("Console command line"),
    "property": _l("Server property"),
    "agent_version": _l("Agent version"),
    "deployment": _l("Deployment policy"),
    "saved_search": _l("Saved search"),
    "data_connection": _l("Data connection"),
    "job": _l("Job"),
    "alert_rule": _l("Alert rule"),
    "alert": _l("Alert"),
    "case": _l("Case"),
    "matter": _l("Matter"),
    "api_client": _l("API client"),
    "preservation_policy": _l("Preservation policy"),
}

ALERTS = {"ok": _l("OK"), "warning": _l("Warning"), "critical": _l("Critical")}
ALERT_BY_LEVEL = {0: ALERTS["ok"], 1: ALERTS["warning"], 2: ALERTS["critical"]}

# "Created" is also a column heading (a creation date): the context keeps the two apart for translators.
FILE_EVENT_TYPES = {
    "CREATED": _p("file event", "Created"), "MODIFIED": _p("file event", "Modified"),
    "DELETED": _p("file event", "Deleted"), "READ_BY_APP": _p("file event", "Read by an app"),
    "EMAILED": _p("file event", "E-mailed"), "PRINTED": _p("file event", "Printed"),
}
EXPOSURES = {
    "SharedViaLink": _l("Shared via link"), "SharedToDomain": _l("Shared to domain"),
    "ApplicationRead": _l("Read by an app"), "CloudStorage": _l("Cloud sync"),
    "RemovableMedia": _l("Removable media"), "IsPublic": _l("Public"),
    "OutsideTrustedDomains": _l("Outside trusted domains"),
}
FILE_CATEGORIES = {
    "Audio": _l("Audio"), "Document": _l("Document"), "Executable": _l("Executable"), "Image": _l("Image"),
    "Pdf": _l("PDF"), "Presentation": _l("Presentation"), "Script": _l("Script"), "SourceCode": _l("Source code"),
    "Spreadsheet": _l("Spreadsheet"), "Video": _l("Video"), "VirtualDiskImage": _l("Virtual disk image"),
    "Archive": _l("Archive"),
}

CONNECTION_KINDS = {key: kind.label for key, kind in KINDS.items()}

# Where a file event came from; the cloud services' names are product names, not translated.
FILE_EVENT_SOURCES = {"Endpoint": _l("Endpoint"), "GoogleDrive": "Google Drive", "OneDrive": "Microsoft OneDrive",
                      "Box": "Box", "Gmail": "Gmail", "Office365": "Microsoft 365", "Webhook": _l("Webhook")}

# Alert rules and alerts (webconsole.domain.alert_rules, webconsole.domain.alerts).
ALERT_STATES = {"open": _l("Open"), "in_progress": _l("In progress"), "pending": _l("Pending"),
                "resolved": _l("Resolved")}
SEVERITIES = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High"), "critical": _l("Critical")}
VECTORS = {"removable_media": _l("Removable media"), "cloud_sync": _l("Cloud sync"),
           "upload": _l("Browser or app upload"), "email": _l("E-mail"), "cloud_share": _l("Cloud share"),
           "any": _l("Any vector")}
WATCH = {"everyone": _l("Everyone"), "departing": _l("Departing Employees"), "high_risk": _l("High Risk Employees"),
         "users": _l("Chosen users")}
WATCHLISTS = {"departing": WATCH["departing"], "high_risk": WATCH["high_risk"]}
THRESHOLD_KINDS = {"files": _l("files"), "bytes": _l("bytes")}
WINDOW_UNITS = {"minutes": _l("minutes"), "hours": _l("hours"), "days": _l("days")}
