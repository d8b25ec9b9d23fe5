"""Preferences a user keeps on the server: list column widths and which columns a list shows."""
from flask_babel import lazy_gettext as _l

from webconsole.domain.errors import ValidationError
from webconsole.extensions import db
from webconsole.models import ListPreference

MIN_WIDTH, MAX_WIDTH = 40, 1200


def list_preferences(user_id, list_key):
    """(widths, columns) the user keeps for a list: {column key: px}, and the chosen column keys
    (None when never chosen, so the list's defaults apply)."""
    pref = db.session.get(ListPreference, (user_id, list_key))
    return (dict(pref.widths), pref.columns) if pref else ({}, None)


def column_widths(user_id, list_key):
    """The user's saved widths for a list, {column key: px}; empty when never adjusted."""
    return list_preferences(user_id, list_key)[0]


def _preference(user_id, list_key):
    pref = db.session.get(ListPreference, (user_id, list_key))
    if pref is None:
        pref = ListPreference(user_id=user_id, list_key=list_key, widths={})
        db.session.add(pref)
    return pref


def _forget_if_default(pref):
    # A row holding nothing but defaults is no preference at all.
    if not pref.widths and pref.columns is None:
        db.session.delete(pref)


def save_column_widths(user_id, list_key, widths, known_columns):
    """Store widths for known columns only, each clamped to a sane range."""
    if not isinstance(widths, dict):
        raise ValidationError("widths must be an object of column: pixels", field="widths", code="validation.format")
    clean = {}
    for key, value in widths.items():
        if key not in known_columns:
            raise ValidationError(f"unknown column {key!r}", field="widths", code="validation.choice")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ValidationError(f"width of {key!r} must be a number", field="widths", code="validation.format")
        clean[key] = int(min(MAX_WIDTH, max(MIN_WIDTH, value)))
    pref = _preference(user_id, list_key)
    pref.widths = {**pref.widths, **clean}
    db.session.commit()
    return pref.widths


def reset_column_widths(user_id, list_key):
    """Forget the user's widths for a list, so the defaults apply again (the chosen columns stay)."""
    pref = db.session.get(ListPreference, (user_id, list_key))
    if pref is not None:
        pref.widths = {}
        _forget_if_default(pref)
        db.session.commit()


def save_chosen_columns(user_id, list_key, keys, known_columns, required=()):
    """Keep the columns the user chose to see in a list; an unknown key is refused by name.

    Columns in `required` are always shown (they open a row's details), so they are kept
    whether or not they were ticked. Returns the stored keys.
    """
    chosen = []
    for key in keys:
        if key not in known_columns:
            raise ValidationError(_l("Unknown column “%(key)s”.", key=key[:64]), field="columns",
                                  code="validation.choice")
        if key not in chosen:
            chosen.append(key)
    chosen += [key for key in required if key not in chosen]
    if not chosen:
        raise ValidationError(_l("Choose at least one column."), field="columns", code="validation.required")
    pref = _preference(user_id, list_key)
    pref.columns = chosen
    db.session.commit()
    return chosen


def reset_chosen_columns(user_id, list_key):
    """Forget the user's choice of columns for a list, so its default columns show again."""
    pref = db.session.get(ListPreference, (user_id, list_key))
    if pref is not None:
        pref.columns = None
        _forget_if_default(pref)
        db.session.commit()
