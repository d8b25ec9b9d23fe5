"""Display labels for stored codes, translated at render time."""
from flask_babel import lazy_gettext as _l

STATUS = {
    "active": _l("Active"),
    "deactivated": _l("Deactivated"),
    "blocked": _l("Blocked"),
    "deauthorized": _l("Deauthorized"),
}

# Product names are not translated.
OS = {"windows": "Windows", "macos": "macOS", "linux": "Linux"}

AUDIT_EVENTS = {
    "signin": _l("Signed in"),
    "signin.failed": _l("Sign-in failed"),
    "signin.throttled": _l("Sign-in refused (too many failures)"),
    "signout": _l("Signed out"),
}

OBJECT_TYPES = {
    "org": _l("Organization"),
    "user": _l("User"),
    "device": _l("Device"),
    "destination": _l("Storage destination"),
}

ALERTS = {"ok": _l("OK"), "warning": _l("Warning"), "critical": _l("Critical")}
ALERT_BY_LEVEL = {0: ALERTS["ok"], 1: ALERTS["warning"], 2: ALERTS["critical"]}
