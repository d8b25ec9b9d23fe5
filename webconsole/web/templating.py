"""Jinja globals and filters: locale-aware formats, permissions, navigation."""
import re

from babel.units import format_unit
from flask import current_app
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from webconsole.domain import dates, locations
from webconsole.domain.events import exposure_names
from webconsole.domain.permissions import role_label
from webconsole.domain.search import can_search
from webconsole.web import labels
from webconsole.web.forms import page_address
from webconsole.web.i18n import language_choices
from webconsole.web.navigation import devices_home, visible_navigation
from webconsole.web.permissions import can
from webconsole.web.themes import current_theme, html_theme
from webconsole.web.urls import event_search_url, user_events_url
from webconsole.web.user_agents import describe as describe_browser

BYTE_UNITS = [
    (1024**4, "digital-terabyte"), (1024**3, "digital-gigabyte"),
    (1024**2, "digital-megabyte"), (1024, "digital-kilobyte"),
]


def bytes_filter(value):
    """A byte count in the largest fitting binary unit, formatted for the locale."""
    return "" if value is None else bytes_text(value, get_locale())


def bytes_text(value, locale):
    """A byte count in the largest fitting binary unit, formatted for `locale`."""
    for size, unit in BYTE_UNITS:
        if abs(value) >= size:
            return format_unit(round(value / size, 1), unit, length="short", locale=locale)
    # Whole bytes in words, which have plurals ("1 byte", "512 bytes"; the short form says "512 byte");
    # CLDR has no long form for some locales (Babel then writes the unit's id), which keep the short one.
    text = format_unit(value, "digital-byte", length="long", locale=locale)
    return format_unit(value, "digital-byte", length="short", locale=locale) if "digital-" in text else text


def datetime_filter(value, fmt="medium"):
    """A stored UTC timestamp in the locale's format, or an empty string."""
    return format_datetime(value, fmt) if value else ""


# Control characters and direction overrides: invisible, yet "invoice\u202efdp.exe" reads as
# "invoiceexe.pdf". Names from endpoints show them as visible marks, so an investigator sees the real name.
HIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def reveal_filter(value):
    """Text (escaped) with control and bidirectional-override characters shown as marks like ⟨U+202E⟩."""
    if value is None:
        return ""
    text = str(value)
    if not HIDDEN_CHARACTERS.search(text):
        return text
    parts = re.split(f"({HIDDEN_CHARACTERS.pattern})", text)
    return Markup("").join(Markup(f'<span class="hidden-char">U+{ord(part):04X}</span>')
                           if HIDDEN_CHARACTERS.fullmatch(part) else escape(part) for part in parts if part)


PERCENT_FORMAT = "#,##0.#%"


def percent_filter(value):
    """A 0-100 value as a locale-formatted percentage."""
    return format_percent((value or 0) / 100, PERCENT_FORMAT)


def has_endpoint(name):
    """Does the app serve this endpoint? (A page links to another section only where it is built.)"""
    return name in current_app.view_functions


def html_lang():
    """The current locale as a BCP 47 tag for <html lang>."""
    loc = get_locale()
    return "-".join(p for p in (loc.language, loc.script, loc.territory) if p)


def init_app(app):
    app.jinja_env.filters.update(
        bytes=bytes_filter, datetime=datetime_filter, percent=percent_filter, number=format_decimal,
        reveal=reveal_filter,
        date=lambda value: format_date(value) if value else "",
        # A date or time in an input, as the console's locale writes it (dates.py says why not type=date).
        typed_day=dates.shown_day, typed_time=dates.shown_time,
    )
    app.jinja_env.globals.update(
        can=can, page_address=page_address, search_offered=lambda: can_search(current_user),
        get_locale=get_locale, html_lang=html_lang, language_choices=language_choices,
        html_theme=html_theme, current_theme=current_theme, theme_labels=labels.THEMES,
        navigation=visible_navigation, devices_home=devices_home, role_label=role_label,
        describe_browser=describe_browser, geoip_missing=locations.database_missing,
        locate_address=lambda address: locations.locate(address, get_locale()),
        day_example=dates.day_example, time_example=dates.time_example,
        status_labels=labels.STATUS, os_labels=labels.OS, os_text=labels.os_text, audit_labels=labels.AUDIT_EVENTS,
        object_labels=labels.OBJECT_TYPES, file_event_labels=labels.FILE_EVENT_TYPES,
        file_category_labels=labels.FILE_CATEGORIES, connection_kind_labels=labels.CONNECTION_KINDS,
        source_labels=labels.FILE_EVENT_SOURCES,
        exposure_labels=labels.EXPOSURES, exposure_names=exposure_names,
        alert_labels=labels.ALERTS, alert_levels=labels.ALERT_BY_LEVEL,
        website_url=lambda: current_app.config["WEBSITE_URL"],
        has_endpoint=has_endpoint, event_search_url=event_search_url, user_events_url=user_events_url,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
