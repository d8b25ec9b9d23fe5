"""The columns every list of file events draws from, so their labels, cells and widths agree."""
from dataclasses import replace

from flask_babel import lazy_gettext as _l

from webconsole.models import FileEvent
from webconsole.web.lists import Column

_COLUMNS = {c.key: c for c in (
    Column("event_at", _l("Time"), cell="datetime", sort=FileEvent.event_at, width=150),
    Column("event_type", _l("Event"), cell="file_event_type", width=100),
    Column("file_name", _l("File name"), width=200),
    Column("file_path", _l("Path"), width=240),
    Column("file_size", _l("Size"), cell="bytes", numeric=True, nullable=True, width=90),
    Column("file_category", _l("Category"), cell="file_category", width=130),
    Column("username", _l("User"), width=190),
    Column("hostname", _l("Hostname"), width=140),
    Column("exposure", _l("Exposure"), cell="exposure", width=210),
    Column("sha256", _l("SHA-256"), cell="code", width=300),
    Column("md5", _l("MD5"), cell="code", width=270),
)}


def file_event_columns(*keys, sortable=("event_at",), details=False):
    """The columns `keys`, in that order; `sortable` ones sort by their own column, and with `details`
    the time opens the event's details in the page's #event-panel."""
    columns = []
    for key in keys:
        column = _COLUMNS[key]
        if key in sortable:
            column = replace(column, sort=getattr(FileEvent, key))
        if details and key == "event_at":
            column = replace(column, link=("forensics.event", "event_id"), panel="event-panel")
        columns.append(column)
    return columns
