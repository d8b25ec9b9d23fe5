"""The v1 file-event parser every door feeds (agents, data connections, imports): each field checked
and converted to its column's value in one pass; InvalidEvent names the first bad field.

Table-driven: one pass over the fields an event has, not one call per field the console knows.
webconsole.domain.events stores what it returns.
"""
import re
from datetime import UTC, datetime

from webconsole.domain.errors import DomainError

LIST_LIMIT = 100

EVENT_TYPES = ("CREATED", "MODIFIED", "DELETED", "READ_BY_APP", "EMAILED", "PRINTED")
SOURCES = ("Endpoint", "GoogleDrive", "OneDrive", "Box", "Gmail", "Office365", "Webhook")
CATEGORIES = ("Audio", "Document", "Executable", "Image", "Pdf", "Presentation", "Script", "SourceCode",
              "Spreadsheet", "Video", "VirtualDiskImage", "Archive")
# Each exposure is one bit of FileEvent.exposure.
EXPOSURES = ("SharedViaLink", "SharedToDomain", "ApplicationRead", "CloudStorage", "RemovableMedia", "IsPublic",
             "OutsideTrustedDomains")
EXPOSURE_BITS = {name: 1 << n for n, name in enumerate(EXPOSURES)}
SYNC_DESTINATIONS = ("ICloud", "Box", "BoxDrive", "GoogleDrive", "GoogleBackupAndSync", "Dropbox", "OneDrive")
SEVERITIES = ("NO_RISK_INDICATED", "LOW", "MODERATE", "HIGH", "CRITICAL")
REMOVABLE_MEDIA = {"removableMediaName": "name", "removableMediaVendor": "vendor",
                   "removableMediaMediaName": "mediaName", "removableMediaVolumeName": "volumeName",
                   "removableMediaPartitionId": "partitionId", "removableMediaSerialNumber": "serialNumber",
                   "removableMediaBusType": "busType"}

_EVENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_HEX = {32: re.compile(r"[0-9a-fA-F]{32}"), 64: re.compile(r"[0-9a-fA-F]{64}")}


class InvalidEvent(DomainError):
    """An event the parser refuses: `field` is its bad field, `index` its place in the batch or file."""

    code = "invalid_field"  # as the agent protocol has always named it

    def __init__(self, message, field, index=None, event_id=None):
        super().__init__(message, field)
        self.index, self.event_id = index, event_id


def _unicode(value):
    """Is `value` text that UTF-8 can store (JSON may carry lone surrogates such as "\\ud800")?"""
    if value.isascii():  # most text, and CPython knows it without looking
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(limit):
    def convert(value, key):
        if isinstance(value, str) and value.isascii() and len(value) <= limit and "\x00" not in value:
            return value  # the common case, checked in one go; the rest find the first problem in order
        if not isinstance(value, str):
            raise InvalidEvent(f"{key} must be text", key)
        if "\x00" in value:
            raise InvalidEvent(f"{key} must not contain NUL characters", key)
        if not _unicode(value):
            raise InvalidEvent(f"{key} must be valid Unicode text", key)
        if len(value) > limit:
            raise InvalidEvent(f"{key} is longer than {limit} characters", key)
        return value
    return convert


def _choice(choices):
    def convert(value, key):
        if value not in choices:
            raise InvalidEvent(f"{key} must be one of {', '.join(choices)}", key)
        return value
    return convert


def _number(maximum=2**63 - 1):
    def convert(value, key):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
            raise InvalidEvent(f"{key} must be a whole number from 0 to {maximum}", key)
        return value
    return convert


def _flag(value, key):
    if not isinstance(value, bool):
        raise InvalidEvent(f"{key} must be true or false", key)
    return value


def _hash(digits):
    pattern = _HEX[digits]

    def convert(value, key):
        if value == "":
            return ""
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise InvalidEvent(f"{key} must be {digits} hexadecimal digits", key)
        return value.lower()
    return convert


def _texts(limit=2048):
    def convert(value, key):
        if not isinstance(value, list) or len(value) > LIST_LIMIT:
            raise InvalidEvent(f"{key} must be a list of at most {LIST_LIMIT} texts", key)
        for n, item in enumerate(value):
            if not isinstance(item, str) or "\x00" in item or len(item) > limit or not _unicode(item):
                raise InvalidEvent(f"{key}[{n}] must be text of at most {limit} characters", f"{key}[{n}]")
        return value or None
    return convert


def _timestamp(value, key):
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # epoch milliseconds (v1 exports)
        try:
            return datetime.fromtimestamp(value / 1000, UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            raise InvalidEvent(f"{key} is not a valid time", key) from None
    if not isinstance(value, str):
        raise InvalidEvent(f"{key} must be an ISO 8601 time", key)
    if value.endswith("Z"):  # UTC, as exports write it: the naive time is the answer, at a third of the cost
        try:
            moment = datetime.fromisoformat(value[:-1])
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is None:
            return moment
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidEvent(f"{key} must be an ISO 8601 time", key) from None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # 9999-12-31T23:59-14:00 is after the calendar ends, in UTC
            raise InvalidEvent(f"{key} is outside the calendar in UTC", key) from None
    return moment


def _exposure(value, key):
    if not isinstance(value, list):
        raise InvalidEvent(f"{key} must be a list", key)
    mask = 0
    for n, name in enumerate(value):
        if name not in EXPOSURE_BITS:
            raise InvalidEvent(f"{key}[{n}] must be one of {', '.join(EXPOSURES)}", f"{key}[{n}]")
        mask |= EXPOSURE_BITS[name]
    return mask


def _severity(value, key):
    return SEVERITIES.index(_choice(SEVERITIES)(value, key))


def _event_id(value, key):
    if not isinstance(value, str) or not _EVENT_ID.fullmatch(value):
        raise InvalidEvent("eventId must be 1 to 128 letters, digits or -_.:", key)
    return value


# v1 field -> (column, converter); removable-media fields go to "media.<key>" and become one JSON object.
FIELDS = {
    "eventId": ("event_id", _event_id),
    "eventType": ("event_type", _choice(EVENT_TYPES)),
    "eventTimestamp": ("event_at", _timestamp),
    "source": ("source", _choice(SOURCES)),
    "fileName": ("file_name", _text(1024)),
    "filePath": ("file_path", _text(4096)),
    "fileSize": ("file_size", _number()),
    "fileOwner": ("file_owner", _text(255)),
    "fileCategory": ("file_category", _choice(CATEGORIES)),
    "md5Checksum": ("md5", _hash(32)),
    "sha256Checksum": ("sha256", _hash(64)),
    "mimeTypeMismatch": ("mime_mismatch", _flag),
    "outsideActiveHours": ("outside_active_hours", _flag),
    "deviceUserName": ("username", _text(255)),
    "operatingSystemUser": ("os_user", _text(255)),
    "osHostName": ("hostname", _text(255)),
    "publicIpAddress": ("public_ip", _text(64)),
    "privateIpAddresses": ("private_ips", _texts(64)),
    "exposure": ("exposure", _exposure),
    "syncDestination": ("sync_destination", _choice(SYNC_DESTINATIONS)),
    "syncDestinationUsername": ("sync_username", _text(255)),
    "tabUrls": ("tab_urls", _texts()),
    "tabTitles": ("tab_titles", _texts()),
    "destinationCategory": ("destination_category", _text(64)),
    "destinationName": ("destination_name", _text(255)),
    "emailSubject": ("email_subject", _text(1024)),
    "emailSender": ("email_sender", _text(255)),
    "emailRecipients": ("email_recipients", _texts(320)),
    "printerName": ("printer_name", _text(255)),
    "printJobName": ("print_job_name", _text(1024)),
    "processName": ("process_name", _text(1024)),
    "processOwner": ("process_owner", _text(255)),
    "riskIndicatorNames": ("risk_indicators", _texts(64)),
    "riskSeverity": ("risk_severity", _severity),
    "riskScore": ("risk_score", _number(100)),
    "removableMediaCapacity": ("media.capacity", _number()),
    **{key: (f"media.{name}", _text(255)) for key, name in REMOVABLE_MEDIA.items()},
}
REQUIRED = (("eventId", "event_id"), ("eventType", "event_type"), ("eventTimestamp", "event_at"),
            ("fileName", "file_name"), ("filePath", "file_path"))
DEFAULTS = {
    "source": "Endpoint", "file_size": None, "file_owner": "", "file_category": "", "md5": "", "sha256": "",
    "mime_mismatch": False, "outside_active_hours": False, "username": "", "os_user": "", "hostname": "",
    "public_ip": "", "private_ips": None, "exposure": 0, "sync_destination": "", "sync_username": "",
    "removable_media": None, "tab_urls": None, "tab_titles": None, "destination_category": "",
    "destination_name": "", "email_subject": "", "email_sender": "", "email_recipients": None, "printer_name": "",
    "print_job_name": "", "process_name": "", "process_owner": "", "risk_indicators": None, "risk_severity": 0,
    "risk_score": 0,
}


# The columns parse_event fills, in the order parse_values gives them.
PARSED = ("event_id", "event_type", "event_at", "file_name", "file_path", *DEFAULTS)
_SLOTS = {column: n for n, column in enumerate(PARSED)}
_TEMPLATE = [None] * (len(PARSED) - len(DEFAULTS)) + list(DEFAULTS.values())
# v1 field -> (slot, converter, None), or (None, converter, key) for a removable-media field.
_PLAN = {key: (None, convert, column[6:]) if column.startswith("media.") else (_SLOTS[column], convert, None)
         for key, (column, convert) in FIELDS.items()}
_REQUIRED_SLOTS = tuple((key, _SLOTS[column]) for key, column in REQUIRED)
_MEDIA_SLOT = _SLOTS["removable_media"]


def parse_values(raw):
    """parse_event's column values as a list in PARSED order, for bulk loads that need no dict."""
    if not isinstance(raw, dict):
        raise InvalidEvent("each event must be a JSON object", "")
    if not isinstance(raw.get("eventId"), str):
        _event_id(raw.get("eventId"), "eventId")
    values, media, plan = _TEMPLATE.copy(), None, _PLAN
    for key, value in raw.items():
        spec = plan.get(key)
        if spec is None or value is None or value == "":
            continue
        slot, convert, name = spec
        if slot is None:
            media = media or {}
            media[name] = convert(value, key)
        else:
            values[slot] = convert(value, key)
    for key, slot in _REQUIRED_SLOTS:  # no converter gives None
        if values[slot] is None:
            raise InvalidEvent(f"{key} is required", key)
    values[_MEDIA_SLOT] = media
    return values


def parse_event(raw):
    """The FileEvent column values of one event in the v1 shape; InvalidEvent names the first bad field.

    Fields the console does not keep are ignored; null or empty values count as absent.
    """
    return dict(zip(PARSED, parse_values(raw), strict=True))


def parse_batch(items):
    """Every event of a batch parsed, or InvalidEvent for the first bad one (with its index and id)."""
    if not isinstance(items, list):
        raise InvalidEvent("events must be a list", "events")
    rows = []
    for n, raw in enumerate(items):
        try:
            rows.append(parse_event(raw))
        except InvalidEvent as error:
            error.index = n
            error.event_id = raw.get("eventId") if isinstance(raw, dict) else None
            raise
    return rows
