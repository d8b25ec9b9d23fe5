"""The whole text of list cells a column's width may cut, for their title (shown on hover).

A value cut short ("Aarav's MacBook …") shows whole when the pointer rests on it; the cells of
web/cells.py that hold text carry it. Short values (dates, numbers, badges) fit their default widths
and carry none.
"""
from webconsole.web.templating import HIDDEN_CHARACTERS


def by_name(mapping):
    """Items sorted by key regardless of case, as Jinja's dictsort does."""
    return sorted(mapping.items(), key=lambda item: item[0].lower() if isinstance(item[0], str) else item[0])


def shown_title(text):
    """`text` for a title: hidden characters (a right-to-left override) named as the cell names them."""
    return HIDDEN_CHARACTERS.sub(lambda m: f"U+{ord(m.group()):04X}", text) if HIDDEN_CHARACTERS.search(text) else text


def _plain_details(values, key):
    """An audit event's details as read (the export holds them as JSON)."""
    details = values[key] or {}
    if details.get("changes"):
        return "; ".join(f"{name} {_plain_change(change[0])} → {_plain_change(change[1])}"
                         for name, change in by_name(details["changes"]))
    return "; ".join(f"{name} {value}" for name, value in by_name(details))


def _plain_change(value):
    return "–" if value is None else str(value)


# The cells a column's width may cut ("Aarav's MacBook …"), whose whole text is what an export of
# the column holds (Column.export); dates, numbers and sizes fit their widths and have none.
TITLED = {"text", "code", "texts", "person", "audit_object", "file_event_type", "file_category", "exposure",
          "status", "user_status", "os", "alert"}


def whole_text(column):
    """A function giving a row's whole text in `column` for its title, or None when it needs none."""
    if column.cell == "audit_details":
        return lambda values: _plain_details(values, column.key)
    if column.labels is not None or column.cell in TITLED:
        return column.export
    return None
