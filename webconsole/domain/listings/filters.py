"""Typed filters of a listing: each turns the plain string a door received into a typed value, or
refuses it with a ValidationError naming the filter, so no value a person can type reaches the
database unchecked (a 25-digit id, "²", NUL, 9999-12-31 or NaN is an answer, never a crash).
"""
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

from flask_babel import lazy_gettext as _l

from webconsole.domain.dates import FIRST_DAY, LAST_DAY, format_day, parse_day  # noqa: F401 (FIRST_DAY, LAST_DAY)
from webconsole.domain.errors import ValidationError
from webconsole.domain.values import parse_id

ID_MAX = 2**63 - 1  # the largest whole number a 64-bit column holds (sizes, event ids)
_DECIMAL = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,9})?")


def plain_text(value, name, max_length):
    """`value` when it is text a person could type (no control characters) of at most `max_length`."""
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        raise ValidationError(_l("Remove the control characters from this value."), field=name)
    if len(value) > max_length:
        raise ValidationError(_l("Enter at most %(max)d characters.", max=max_length), field=name)
    return value


@dataclass(frozen=True)
class Filter:
    """A filter of a listing: its name (the URL argument), its label, and how a door asks for it."""

    name: str
    label: Any
    hidden: bool = field(default=False, kw_only=True)  # set by a link (whose events), not offered as a control

    input = "text"  # the control a door shows: "text", "date", "number" or "choice"

    def parse(self, raw):
        """The typed value of `raw` (a non-empty string), or ValidationError naming this filter."""
        return plain_text(raw, self.name, 200)

    def format(self, value):
        """The string `parse` turns back into `value` (for URLs and cursors)."""
        return str(value)

    def display(self, value):
        """`value` as its control shows it to a person (a day in the console's locale)."""
        return self.format(value)

    def options(self, actor, chosen=None):
        """[(value, label)] to choose from, for `actor`, among them `chosen` (the value in use) when
        `actor` may see it; None when the value is typed in."""
        return None

    def refuse(self, message):
        return ValidationError(message, field=self.name)


@dataclass(frozen=True)
class Text(Filter):
    """Free text of at most `max_length` characters, matched by the listing's query as it sees fit."""

    max_length: int = 200

    def parse(self, raw):
        return plain_text(raw, self.name, self.max_length)


@dataclass(frozen=True)
class Choice(Filter):
    """One value out of a list: fixed `values` (codes, or {code: label}), or `choices(actor)` drawn from
    data ([(value, label)]); with neither, any short code (labelled by the door, e.g. audit event types)."""

    values: Any = ()
    choices: Callable | None = None

    input = "choice"

    def parse(self, raw):
        if self.values:
            if raw not in self.values:
                raise self.refuse(_l("Choose a value from the list."))
            return raw
        return plain_text(raw, self.name, 64)

    def options(self, actor, chosen=None):
        if self.choices is not None:
            return self.choices(actor)
        if isinstance(self.values, dict):
            return list(self.values.items())
        return [(v, v) for v in self.values] if self.values else None


@dataclass(frozen=True)
class Id(Filter):
    """A row's id (a whole number its id column holds), optionally chosen from `choices(actor)`."""

    choices: Callable | None = None
    message: Any = field(default_factory=lambda: _l("Choose a value from the list."))

    @property
    def input(self):
        return "choice" if self.choices is not None else "text"

    def parse(self, raw):
        number = parse_id(raw)  # ASCII digits only, and no larger than the id columns hold
        if number is None:
            raise self.refuse(self.message)
        return number

    def options(self, actor, chosen=None):
        """`choices(actor, chosen)`: a long list may leave out the chosen id unless it is asked for."""
        return self.choices(actor, chosen) if self.choices is not None else None


@dataclass(frozen=True)
class Day(Filter):
    """A calendar day from FIRST_DAY to LAST_DAY, typed in the console's locale or as YYYY-MM-DD; URLs and
    cursors carry it as YYYY-MM-DD, so a link means the same day in every language."""

    input = "date"

    def parse(self, raw):
        return parse_day(raw, field=self.name)

    def format(self, value):
        return value.isoformat()

    def display(self, value):
        return format_day(value)


@dataclass(frozen=True)
class Number(Filter):
    """A decimal number from `minimum` to `maximum` (digits and one point: no NaN, infinity or exponent)."""

    minimum: float = 0
    maximum: float = 10**12
    message: Any = field(default_factory=lambda: _l("Enter a number."))

    input = "number"

    def parse(self, raw):
        if not _DECIMAL.fullmatch(raw) or not self.minimum <= float(raw) <= self.maximum:
            raise self.refuse(self.message)
        return float(raw)

    def format(self, value):
        # Positional digits (repr would write 1e-05, which `parse` refuses), trailing zeros left out.
        return f"{value:.9f}".rstrip("0").rstrip(".")
