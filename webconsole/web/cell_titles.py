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


def _plain(values, key):
    """A text cell's whole value for its title (shown on hover when the column's width cuts it)."""
    value = values[key]
    return value if isinstance(value, str) else ""


def _plain_texts(values, key):
    return ", ".join(map(str, values[key] or ()))


def _plain_person(values, key):
    return " ".join(p for p in (values.get("first_name"), values.get("last_name")) if p)


def _plain_details(values, key):
    details = values[key] or {}
    if details.get("changes"):
        return "; ".join(f"{name} {_plain_change(change[0])} → {_plain_change(change[1])}"
                         for name, change in by_name(details["changes"]))
    return "; ".join(f"{name} {value}" for name, value in by_name(details))


def _plain_change(value):
    return "–" if value is None else str(value)


# The whole text of the cells a column's width may cut ("Aarav's MacBook …"), by cell: short values
# (dates, numbers, badges) fit their default widths and need none.
TITLES = {"text": _plain, "code": _plain, "texts": _plain_texts, "person": _plain_person,
          "audit_details": _plain_details,
          "audit_object": lambda v, k: " ".join(str(p) for p in (v.get("object_label"), v.get("object_id")) if p)}
