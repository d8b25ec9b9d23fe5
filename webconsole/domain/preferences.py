"""Preferences a user keeps on the server: list column widths."""
from webconsole.domain.errors import ValidationError
from webconsole.extensions import db
from webconsole.models import ListPreference

MIN_WIDTH, MAX_WIDTH = 40, 1200


def column_widths(user_id, list_key):
    """The user's saved widths for a list, {column key: px}; empty when never adjusted."""
    pref = db.session.get(ListPreference, (user_id, list_key))
    return dict(pref.widths) if pref else {}


def save_column_widths(user_id, list_key, widths, known_columns):
    """Store widths for known columns only, each clamped to a sane range."""
    if not isinstance(widths, dict):
        raise ValidationError("widths must be an object of column: pixels", field="widths")
    clean = {}
    for key, value in widths.items():
        if key not in known_columns:
            raise ValidationError(f"unknown column {key!r}", field="widths")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ValidationError(f"width of {key!r} must be a number", field="widths")
        clean[key] = int(min(MAX_WIDTH, max(MIN_WIDTH, value)))
    pref = db.session.get(ListPreference, (user_id, list_key))
    if pref is None:
        pref = ListPreference(user_id=user_id, list_key=list_key, widths={})
        db.session.add(pref)
    pref.widths = {**pref.widths, **clean}
    db.session.commit()
    return pref.widths


def reset_column_widths(user_id, list_key):
    """Forget the user's widths for a list, so the defaults apply again."""
    pref = db.session.get(ListPreference, (user_id, list_key))
    if pref is not None:
        db.session.delete(pref)
        db.session.commit()
