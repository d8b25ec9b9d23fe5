"""The columns every list of file events draws from, so their labels, cells and widths agree."""
from dataclasses import replace

from flask_babel import lazy_gettext as _l

from webconsole.models import FileEvent
from webconsole.web import labels
from webconsole.web.lists import Column

# 0 is "no risk indicated": left blank, so that the risky rows stand out.
SEVERITIES = {1: _l("Low"), 2: _l("Moderate"), 3: _l("High"), 4: labels.ALERTS["critical"]}


def _column(key, label, attribute=None, **options):
    """A column reading one field of the event (`attribute`, or the model's attribute named `key`)."""
    attribute = getattr(FileEvent, key) if attribute is None else attribute
    return Column(key, label, select=(attribute.label(key),), **options)


_COLUMNS = {c.key: c for c in (
    _column("event_at", _l("Time"), cell="datetime", width=165),
    _column("event_type", _l("Event"), cell="file_event_type", width=100),
    _column("file_name", _l("File name"), width=180),
    _column("file_path", _l("Path"), width=190),
    _column("file_size", _l("Size"), cell="bytes", numeric=True, width=100),
    _column("file_category", _l("Category"), cell="file_category", width=110),
    _column("username", _l("User"), width=160),
    _column("hostname", _l("Hostname"), width=130),
    Column("exposure", _l("Exposure"), cell="exposure", width=170,
           select=(FileEvent.exposure.label("exposure"), FileEvent.sync_destination.label("sync_destination"))),
    _column("sha256", _l("SHA-256"), cell="code", width=300),
    _column("md5", _l("MD5"), cell="code", width=270),
    # More of the event's fields, for lists that let each user choose their columns.
    _column("os_user", _l("Operating system user"), width=150),
    _column("file_owner", _l("File owner"), width=150),
    _column("source", _l("Source"), labels=labels.FILE_EVENT_SOURCES, width=130),
    _column("sync_destination", _l("Sync destination"), width=140),
    _column("media_name", _l("Removable media name"), FileEvent.removable_media["name"].as_string(), width=200),
    _column("media_volume", _l("Removable media volume"), FileEvent.removable_media["volumeName"].as_string(),
            width=150),
    _column("process_name", _l("Process name"), width=150),
    _column("destination_name", _l("Destination name"), width=150),
    _column("tab_urls", _l("Tab URL"), cell="texts", width=260),
    _column("email_subject", _l("E-mail subject"), width=240),
    _column("email_recipients", _l("E-mail recipient"), cell="texts", width=260),
    _column("risk_severity", _l("Risk severity"), labels=SEVERITIES, width=110),
    _column("event_id", _l("Event ID"), cell="code", width=300),
)}


def file_event_columns(*keys, details=False, optional=()):
    """The columns `keys`, in that order (sortable where the listing sorts by them); with `details` the
    time opens the event's details in the page's #event-panel (so it is always shown), and `optional`
    ones are hidden until a user chooses them (in a list with a choice of columns)."""
    columns = []
    for key in keys:
        column = _COLUMNS[key]
        if details and key == "event_at":
            column = replace(column, link=("forensics.event", "event_id"), panel="event-panel", required=True)
        if key in optional:
            column = replace(column, optional=True)
        columns.append(column)
    return columns
