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
