"""List cells rendered by plain functions, one per kind of cell, with the request's formats cached.

A list page shows 50 rows of up to a dozen cells. A Jinja macro call per cell, flask_babel looking up
the locale, the time zone and the pattern again for each date, and url_for per row made rendering
four fifths of a rows fragment; these functions write the same markup with formatters bound once
per request.
Every value is escaped here (`escape`): names from endpoints are hostile.
"""
import re
from datetime import timezone
from operator import attrgetter

from babel.dates import (
    DateTimeFormat,
    format_date,
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
)
from babel.numbers import format_decimal, format_percent
from babel.numbers import parse_pattern as parse_number_pattern
from babel.units import format_unit
from flask import current_app, g, render_template, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from markupsafe import escape

from webconsole.domain.events import exposure_names
from webconsole.web import labels
from webconsole.web.cell_titles import by_name, shown_title, whole_text
from webconsole.web.permissions import can
from webconsole.web.templating import (
    BYTE_UNITS,
    HIDDEN_CHARACTERS,
    PERCENT_FORMAT,
    bytes_text,
    reveal_filter,
)
from webconsole.web.watchlist_cells import WATCHLIST_CELLS

# A number put in a link's URL in place of the row's id, to cut the URL into what comes before and
# after the id: one url_for per page rather than per row.
_PLACEHOLDER_ID = 987654321
_FIELD = re.compile(r"%\((\w+)\)s")


def _whole(value):
    return value


# What each field of a date or time pattern reads of its value (Babel's DateTimeFormat): a field is
# written once per request for each year, month, day, hour... rather than once per cell. A field not
# named here reads the whole value.
_FIELD_READS = {
    "y": attrgetter("year"), "u": attrgetter("year"), "G": attrgetter("year"),
    "M": attrgetter("month"), "L": attrgetter("month"), "Q": attrgetter("month"), "q": attrgetter("month"),
    "d": attrgetter("day"),
    "h": attrgetter("hour"), "H": attrgetter("hour"), "K": attrgetter("hour"), "k": attrgetter("hour"),
    # Day periods name noon and midnight to the second.
    "a": attrgetter("hour", "minute", "second"), "b": attrgetter("hour", "minute", "second"),
    "B": attrgetter("hour", "minute", "second"),
    "m": attrgetter("minute"), "s": attrgetter("second"),
}


class _Pattern:
    """A parsed Babel date or time pattern whose fields are each written by Babel and kept."""

    def __init__(self, pattern, locale):
        self.format, self.locale = pattern.format, locale
        names = dict.fromkeys(_FIELD.findall(pattern.format))
        self.fields = [(name, _FIELD_READS.get(name[0], _whole)) for name in names]
        self.kept = {}

    def apply(self, value):
        """What pattern.apply(value, locale) writes."""
        shown = {}
        for name, reads in self.fields:
            key = (name, reads(value))
            text = self.kept.get(key)
            if text is None:
                text = self.kept[key] = DateTimeFormat(value, self.locale)[name]
            shown[name] = text
        return self.format % shown


class Formats:
    """The request's locale and time zone, with formatters and labels cached for its rows.

    Each format is Babel's own, called with the same arguments as flask_babel and the template filters
    call it, so the text is the same; only the look-ups around it (the locale, the time zone, the
    parsed patterns) are made once, and the texts of values already seen are kept.
    """

    def __init__(self, locale, tzinfo, datetime_format="short"):
        self.locale, self.tzinfo = locale, tzinfo
        self._memo, self._units = {}, {}
        # babel.dates.format_datetime with a predefined format, its patterns looked up and parsed once.
        self._combine = get_datetime_format(datetime_format, locale=locale).replace("'", "")
        self._time = _Pattern(parse_pattern(get_time_format(datetime_format, locale=locale)), locale)
        self._date = _Pattern(parse_pattern(get_date_format(datetime_format, locale=locale)), locale)
        self._decimal = parse_number_pattern(locale.decimal_formats[None])
        self._percent = parse_number_pattern(PERCENT_FORMAT)
        # A translation is markup in a template (Jinja's i18n "newstyle"), so it is not escaped here either.
        self.never = _("Never")

    def _kept(self, kind, key, make, *args, **options):
        """make(*args, **options), the first time this `kind` of text is asked for `key`."""
        memo = self._memo.setdefault(kind, {})
        text = memo.get(key)
        if text is None:
            text = memo[key] = make(*args, **options)
        return text

    def datetime(self, value):
        """A stored UTC timestamp in the locale's short format and the request's time zone."""
        dt = (value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)).astimezone(self.tzinfo)
        if hasattr(self.tzinfo, "normalize"):  # pytz
            dt = self.tzinfo.normalize(dt)
        return (self._combine.replace("{0}", self._time.apply(dt.timetz()))
                .replace("{1}", self._date.apply(dt.date())))

    def number(self, value):
        return self._kept("number", value, format_decimal, value, self._decimal, locale=self.locale)

    def bytes(self, value):
        """bytes_text(value, locale)."""
        for size, unit in BYTE_UNITS:
            if abs(value) >= size:
                shown = round(value / size, 1)
                return self._kept(unit, shown, self._unit, shown, unit)
        return self._kept("bytes", value, bytes_text, value, self.locale)

    def _unit(self, value, unit):
        """babel.units.format_unit(value, unit, length="short", locale=locale), its unit's patterns looked
        up once (and the number's text kept, as sizes of several units share it)."""
        patterns = self._units.get(unit)
        if patterns is None:
            found = self.locale._data["unit_patterns"].get(unit)
            patterns = self._units[unit] = dict(found.get("short", {})) if found else {}
        pattern = patterns.get(self.locale.plural_form(value)) or patterns.get("other")
        if pattern is None:
            return format_unit(value, unit, length="short", format=self._decimal, locale=self.locale)
        return pattern.format(self._kept("unit-number", value, format_decimal, value, self._decimal,
                                         locale=self.locale))

    def percent(self, value):
        return self._kept("percent", value, format_percent, (value or 0) / 100, self._percent, locale=self.locale)

    def label(self, table, value, default=None):
        """`table`'s label of `value` (escaped, translated once per request), else `default` escaped."""
        memo = self._memo.setdefault(id(table), {})
        text = memo.get(value)
        if text is None:
            found = table.get(value, value if default is None else default)
            text = memo[value] = str(escape(found))
        return text


def request_formats():
    """The Formats of this request (its locale and time zone), made on first use."""
    formats = getattr(g, "_cell_formats", None)
    if formats is None:
        formats = g._cell_formats = Formats(get_locale(), get_timezone())
    return formats


# -- one function per kind of cell: (row mapping, column key, Formats) -> HTML ----------------------------

def text(values, key, f):
    value = values[key]
    if value is None:
        return ""
    if isinstance(value, str) and not HIDDEN_CHARACTERS.search(value):
        return str(escape(value))
    return str(escape(reveal_filter(value)))


def code(values, key, f):
    return f"<code>{escape(values[key])}</code>"


def number(values, key, f):
    return str(escape(f.number(values[key])))


def bytes_cell(values, key, f):
    value = values[key]
    return "" if value is None else str(escape(f.bytes(value)))


def datetime(values, key, f):
    value = values[key]
    if not value:
        return f'<span class="muted">{f.never}</span>'
    return f'<time datetime="{escape(value.isoformat())}Z">{escape(f.datetime(value))}</time>'


def percent(values, key, f):
    value = values[key]
    return (f'<span class="progress-cell"><progress max="100" value="{escape(value)}"></progress>'
            f'<span>{escape(f.percent(value))}</span></span>')


def status(values, key, f):
    value = values[key]
    return f'<span class="badge badge-{escape(value)}">{f.label(labels.STATUS, value)}</span>'


def user_status(values, key, f):
    shown = status(values, key, f)
    if values.get("blocked"):
        shown += f' <span class="badge badge-blocked">{f.label(labels.STATUS, "blocked")}</span>'
    return shown


def os(values, key, f):
    value = values[key]
    return f'<span class="os os-{escape(value)}">{f.label(labels.OS, value)}</span>'


def person(values, key, f):
    return f"{escape(values.get('first_name', ''))} {escape(values.get('last_name', ''))}"


def audit_event(values, key, f):
    return f'<span class="event">{f.label(labels.AUDIT_EVENTS, values[key])}</span>'


def audit_object(values, key, f):
    kind = values.get("object_type")
    shown = f'<span class="muted">{f.label(labels.OBJECT_TYPES, kind)}</span> ' if kind else ""
    return shown + str(escape(values.get("object_label", "")))


def _change(value):
    return "–" if value is None else str(escape(value))


def audit_details(values, key, f):
    # Details run longer than their column: cut to one line, whole in the tooltip, and whole in the
    # row when opened (a <details> works by keyboard and needs no script).
    details = values[key] or {}
    if details.get("changes"):
        pairs = [(name, f"{_change(change[0])} → {_change(change[1])}")
                 for name, change in by_name(details["changes"])]
    else:
        pairs = [(name, str(escape(value))) for name, value in by_name(details)]
    if not pairs:
        return ""
    shown = "; ".join(f'<span class="change"><span class="change-field">{escape(name)}</span> {value}</span>'
                      for name, value in pairs)
    whole = "; ".join(f"{escape(name)} {value}" for name, value in pairs)  # already escaped once: no markup
    return f'<details class="cell-whole"><summary title="{whole}">{shown}</summary></details>'


def alert(values, key, f):
    level = values[key]
    return f'<span class="alert alert-{escape(level)}">{f.label(labels.ALERT_BY_LEVEL, level, "")}</span>'


def _checkbox(values, name, form):
    """A row's checkbox of a form outside the table (`form`: its id), valued by the row's id."""
    return (f'<input type="checkbox" name="{escape(name)}" value="{int(values["id"])}" form="{form}" '
            f'aria-label="{escape(_("Select"))}">')


def select(values, key, f):
    """A row's checkbox of the page's selection form (#row-selection), named by its column."""
    return _checkbox(values, key, "row-selection")


def file_event_type(values, key, f):
    return f'<span class="event">{f.label(labels.FILE_EVENT_TYPES, values[key])}</span>'


def connection_kind(values, key, f):
    return f.label(labels.CONNECTION_KINDS, values[key])


def file_category(values, key, f):
    return f.label(labels.FILE_CATEGORIES, values[key])


def exposure(values, key, f):
    shown = " ".join(f'<span class="badge badge-exposure">{f.label(labels.EXPOSURES, name)}</span>'
                     for name in exposure_names(values[key] or 0))
    if values.get("sync_destination"):
        shown += f' <span class="muted">{escape(values["sync_destination"])}</span>'
    return shown


def texts(values, key, f):
    return str(escape(reveal_filter(", ".join(map(str, values[key] or ())))))


def day(values, key, f):
    value = values[key]
    if value is None:
        return '<span class="muted">–</span>'
    shown = escape(format_date(value, "medium", locale=f.locale))
    return f'<time datetime="{escape(value.isoformat())}">{shown}</time>'


def alert_select(values, key, f):
    """An alert's checkbox of the bulk change form (#alerts-bulk)."""
    return _checkbox(values, "alert", "alerts-bulk")


def rule_enabled(values, key, f):
    return render_template("alerts/_rule_enabled.html", rule_id=values["id"], enabled=values[key])


CELLS = {
    "day": day, **WATCHLIST_CELLS,
    "text": text, "code": code, "number": number, "bytes": bytes_cell, "datetime": datetime,
    "percent": percent, "status": status, "user_status": user_status, "os": os, "person": person,
    "audit_event": audit_event, "audit_object": audit_object, "audit_details": audit_details, "alert": alert,
    "file_event_type": file_event_type, "connection_kind": connection_kind, "file_category": file_category,
    "exposure": exposure, "texts": texts, "alert_select": alert_select, "rule_enabled": rule_enabled, "select": select,
}


def _labelled(table):
    """The cell of a column with `labels`: a stored code's label, or nothing for no code."""
    def cell(values, key, f):
        value = values[key]
        return "" if value is None else f.label(table, value)
    return cell


def _link(column):
    """(before the id, after the id) of the URL a column links to, from one url_for call; None when the
    URL does not show the id as its digits (then each row asks url_for)."""
    endpoint, argument = column.link
    url = url_for(endpoint, **{argument: _PLACEHOLDER_ID})
    parts = url.split(str(_PLACEHOLDER_ID))
    return (str(escape(parts[0])), str(escape(parts[1]))) if len(parts) == 2 else None


def _linked(column, cell):
    """`cell` wrapped in a link to the row's page (opened in the column's panel, if it has one)."""
    endpoint, argument = column.link
    around = _link(column)
    panel = column.panel

    def href(row_id):
        if around is not None and type(row_id) is int:
            return f"{around[0]}{row_id}{around[1]}"
        return str(escape(url_for(endpoint, **{argument: row_id})))

    if panel:
        target = str(escape(panel))

        def linked(values, key, f):
            url = href(values["id"])
            return (f'<a href="{url}" hx-get="{url}" hx-target="#{target}" hx-swap="innerHTML">'
                    f'{cell(values, key, f)}</a>')
    else:
        def linked(values, key, f):
            return f'<a href="{href(values["id"])}">{cell(values, key, f)}</a>'
    return linked


def _may_open(endpoint):
    """Does the current user hold the permission the linked page declares? (No link to a 403.)"""
    permission = getattr(current_app.view_functions.get(endpoint), "permission", None)
    return permission in (None, "public", "signed_in") or can(permission)


def _titled(column, cell):
    """`cell` in its <td>, with a title holding the whole value when the cell is text that may be cut."""
    td = '  <td class="num"' if column.numeric else '  <td class=""'
    whole = whole_text(column)
    if whole is None:
        return lambda values, key, f: f"{td}>{cell(values, key, f)}</td>\n"

    def titled(values, key, f):
        text = whole(values)
        shown = f' title="{escape(shown_title(str(text)))}"' if text else ""
        return f"{td}{shown}>{cell(values, key, f)}</td>\n"
    return titled


def cells_renderer(columns):
    """A function writing a row's cells (its mapping) as the <td>s of `columns`, for this request."""
    f = request_formats()
    cells = []
    for column in columns:
        if column.labels is not None:
            cell = _labelled(column.labels)
        else:
            cell = CELLS[column.cell]
        if column.link and _may_open(column.link[0]):
            cell = _linked(column, cell)
        cells.append((column.key, _titled(column, cell)))

    def render(values):
        return "".join([cell(values, key, f) for key, cell in cells])
    return render


def row_renderer(columns):
    """A function writing a row (its mapping) as a table row of `columns`, for this request."""
    cells = cells_renderer(columns)

    def render(values):
        return "<tr>\n" + cells(values) + "</tr>\n"
    return render
