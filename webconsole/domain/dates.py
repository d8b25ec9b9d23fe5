"""Dates and times as a person types and reads them, in the console's locale (not the browser's).

A browser shows <input type=date> and <input type=time> in its own language whatever the page's (a German
console showed mm/dd/yyyy and 10:00 PM), so the console's date and time inputs are text read here.

A day is shown in the locale's short date pattern with a four-digit year (12/31/2026, 31.12.2026,
2026/12/31) and read back in the locale's order of day, month and year with any separators; ISO
YYYY-MM-DD is always read too, since URLs, bookmarks and scripts carry it. A time of day is shown in
the locale's short time pattern (10:00 PM, 22:00) and read back with the locale's AM/PM words, "am" or
"pm", or as 24-hour HH:MM. Full-width digits (from a Chinese or Japanese input method) read as ASCII;
any other digit ("²", "٣"), a control character or a two-digit year is refused with a ValidationError
whose message shows an example in the locale's form. The locale is Flask-Babel's current one unless
given: the console's default outside a request.
"""
import re
import unicodedata
from datetime import date, time
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_time, tokenize_pattern, untokenize_pattern
from flask import has_app_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from webconsole.domain.errors import ValidationError

# Whole days whose neighbours (the day after an "until", a time zone's offset) are dates too.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)
# Examples in messages and placeholders: a day past the 12th shows which number is the day.
EXAMPLE_DAY, EXAMPLE_TIME = date(2026, 12, 31), time(22, 0)
TEXT_MAX = 40  # longer than any date or time in any locale, with room for spaces

_FULL_WIDTH = str.maketrans({chr(0xFF10 + n): str(n) for n in range(10)} | {"\uff1a": ":", "\uff0e": "."})
_GROUPS = re.compile(r"[0-9]+")
_TIME = re.compile(r"(?P<before>[^0-9]*?)\s*(?P<hour>[0-9]{1,2})\s*[:.]\s*(?P<minute>[0-9]{2})\s*(?P<after>[^0-9]*)")


def _locale(locale):
    if locale is not None:
        return Locale.parse(locale) if isinstance(locale, str) else locale
    return (get_locale() if has_app_context() else None) or Locale.parse("en_US")


@lru_cache(maxsize=64)
def _day_pattern(locale):
    """The locale's short date pattern with the year as four digits ("dd.MM.yy" -> "dd.MM.yyyy")."""
    tokens = [("field", ("y", 4)) if kind == "field" and value[0] in "yYu" else (kind, value)
              for kind, value in tokenize_pattern(locale.date_formats["short"].pattern)]
    return untokenize_pattern(tokens)


@lru_cache(maxsize=64)
def _day_order(locale):
    """The order of the day, month and year in the locale's short date, e.g. "dmy"."""
    order = ""
    for kind, value in tokenize_pattern(locale.date_formats["short"].pattern):
        letter = {"d": "d", "M": "m", "L": "m", "y": "y", "Y": "y", "u": "y"}.get(value[0]) if kind == "field" else None
        if letter and letter not in order:
            order += letter
    return order if sorted(order) == ["d", "m", "y"] else "ymd"


@lru_cache(maxsize=64)
def _time_pattern(locale):
    """The locale's short time pattern; flexible day periods ("B": 晚上, in the evening) become AM/PM,
    which read back without doubt."""
    tokens = [("field", ("a", 1)) if kind == "field" and value[0] in "bB" else (kind, value)
              for kind, value in tokenize_pattern(locale.time_formats["short"].pattern)]
    return untokenize_pattern(tokens)


def _squeeze(text):
    """`text` compared loosely: case, spaces and dots aside ("p. m." is "PM")."""
    return re.sub(r"[\s.]", "", text).casefold()


@lru_cache(maxsize=64)
def _time_words(locale):
    """({loose word: "am" or "pm"}, the pattern's own words read as nothing, such as Thai "น.")."""
    periods = {"am": "am", "pm": "pm"}
    for context in ("format", "stand-alone"):
        for width in ("abbreviated", "wide", "narrow"):
            names = locale.day_periods.get(context, {}).get(width, {})
            for period in ("am", "pm"):
                if names.get(period):
                    periods[_squeeze(names[period])] = period
    literals = {_squeeze(value) for kind, value in tokenize_pattern(locale.time_formats["short"].pattern)
                if kind == "chars" and _squeeze(value).strip(":")}
    return periods, frozenset(literals)


def _spaced(text):
    # Babel writes narrow and non-breaking spaces ("10:00\u202fPM"); an input holds plain ones.
    return "".join(" " if unicodedata.category(c) == "Zs" else c for c in text)


def format_day(day, locale=None):
    """`day` in the locale's short date pattern with a four-digit year ("" for None)."""
    if day is None:
        return ""
    loc = _locale(locale)
    return _spaced(format_date(day, _day_pattern(loc), locale=loc))


def format_time_of_day(moment, locale=None):
    """A time of day (a time, or "HH:MM" text) in the locale's short time pattern ("" for None)."""
    if moment in (None, ""):
        return ""
    if isinstance(moment, str):
        moment = time.fromisoformat(moment)
    loc = _locale(locale)
    return _spaced(format_time(moment, _time_pattern(loc), locale=loc))


def day_example(locale=None):
    return format_day(EXAMPLE_DAY, locale)


def time_example(locale=None):
    return format_time_of_day(EXAMPLE_TIME, locale)


def _typed(text):
    """What a person typed, with full-width digits as ASCII and plain spaces; None when it holds a
    character no date or time has (another script's digits, superscripts, control characters) or is
    too long to be one."""
    text = _spaced(text.translate(_FULL_WIDTH)).strip()
    if len(text) > TEXT_MAX:
        return None
    for c in text:
        category = unicodedata.category(c)
        if category[0] == "C" or category[0] == "N" and not "0" <= c <= "9":
            return None
    return text


def parse_day(text, field=None, locale=None, first=FIRST_DAY, last=LAST_DAY):
    """The date a person typed, in the locale's order or as ISO (a four-digit first number means year
    first), from `first` to `last`; ValidationError naming `field` otherwise."""
    loc = _locale(locale)
    typed = _typed(text) if isinstance(text, str) else None
    groups = _GROUPS.findall(typed) if typed else []
    day = None
    if len(groups) == 3:
        order = "ymd" if len(groups[0]) == 4 else _day_order(loc)
        parts = dict(zip(order, groups, strict=True))
        if len(parts["y"]) == 4 and len(parts["m"]) <= 2 and len(parts["d"]) <= 2:
            try:
                day = date(int(parts["y"]), int(parts["m"]), int(parts["d"]))
            except ValueError:  # 31.02., month 13, year 0000
                day = None
    if day is None:
        raise ValidationError(_l("Enter a date such as %(example)s.", example=day_example(loc)), field=field,
                              code="validation.format")
    if not first <= day <= last:
        raise ValidationError(_l("Enter a date from %(first)s to %(last)s.", first=format_day(first, loc),
                                 last=format_day(last, loc)), field=field, code="validation.range")
    return day


def parse_time_of_day(text, field=None, locale=None):
    """The time of day a person typed, as "HH:MM": 24-hour, or 12-hour with the locale's AM/PM words or
    "am"/"pm"; ValidationError naming `field` otherwise."""
    loc = _locale(locale)
    typed = _typed(text) if isinstance(text, str) else None
    found = _TIME.fullmatch(typed) if typed else None
    moment = None
    if found:
        periods, literals = _time_words(loc)
        words = [w for w in (_squeeze(found["before"]), _squeeze(found["after"])) if w and w not in literals]
        hour, minute = int(found["hour"]), int(found["minute"])
        period = periods.get(words[0]) if len(words) == 1 else None
        if minute <= 59 and (not words and hour <= 23 or period and 1 <= hour <= 12):
            if period:
                hour = hour % 12 + (12 if period == "pm" else 0)
            moment = f"{hour:02d}:{minute:02d}"
    if moment is None:
        raise ValidationError(_l("Enter a time such as %(example)s.", example=time_example(loc)), field=field,
                              code="validation.format")
    return moment


def shown_day(text, locale=None):
    """A date from a URL or a form in the locale's form when it is one, else the text as it is (so a
    refused value shows as typed beside its message)."""
    try:
        return format_day(parse_day(text, locale=locale), locale)
    except ValidationError:
        return text or ""


def shown_time(text, locale=None):
    """A stored "HH:MM" in the locale's form, else the text as it is (a refused value as typed)."""
    if isinstance(text, str) and re.fullmatch(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]", text):
        return format_time_of_day(text, locale)
    return text or ""
