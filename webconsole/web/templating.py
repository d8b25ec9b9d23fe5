"""Jinja globals and filters: locale-aware formats, permissions, navigation."""
from babel.units import format_unit
from flask import current_app
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale

from webconsole.domain.events import exposure_names
from webconsole.domain.permissions import role_label
from webconsole.web import labels
from webconsole.web.i18n import language_choices
from webconsole.web.navigation import visible_navigation
from webconsole.web.permissions import can

_UNITS = [
    (1024**4, "digital-terabyte"), (1024**3, "digital-gigabyte"),
    (1024**2, "digital-megabyte"), (1024, "digital-kilobyte"),
]


def bytes_filter(value):
    """A byte count in the largest fitting binary unit, formatted for the locale."""
    if value is None:
        return ""
    for size, unit in _UNITS:
        if abs(value) >= size:
            return format_unit(round(value / size, 1), unit, length="short", locale=get_locale())
    return format_unit(value, "digital-byte", length="short", locale=get_locale())


def datetime_filter(value, fmt="medium"):
    """A stored UTC timestamp in the locale's format, or an empty string."""
    return format_datetime(value, fmt) if value else ""


def percent_filter(value):
    """A 0-100 value as a locale-formatted percentage."""
    return format_percent((value or 0) / 100, "#,##0.#%")


def html_lang():
    """The current locale as a BCP 47 tag for <html lang>."""
    loc = get_locale()
    return "-".join(p for p in (loc.language, loc.script, loc.territory) if p)


def init_app(app):
    app.jinja_env.filters.update(
        bytes=bytes_filter, datetime=datetime_filter, percent=percent_filter, number=format_decimal,
        date=lambda value: format_date(value) if value else "",
    )
    app.jinja_env.globals.update(
        can=can, get_locale=get_locale, html_lang=html_lang, language_choices=language_choices,
        navigation=visible_navigation, role_label=role_label,
        status_labels=labels.STATUS, os_labels=labels.OS, audit_labels=labels.AUDIT_EVENTS,
        object_labels=labels.OBJECT_TYPES, file_event_labels=labels.FILE_EVENT_TYPES,
        file_category_labels=labels.FILE_CATEGORIES, connection_kind_labels=labels.CONNECTION_KINDS,
        source_labels=labels.FILE_EVENT_SOURCES,
        exposure_labels=labels.EXPOSURES, exposure_names=exposure_names,
        alert_labels=labels.ALERTS, alert_levels=labels.ALERT_BY_LEVEL,
        website_url=lambda: current_app.config["WEBSITE_URL"],
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
