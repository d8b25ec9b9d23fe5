"""The cached formats of list cells write what Babel writes for each value, in every locale."""
from datetime import datetime, timedelta

import pytest
from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent
from pytz import timezone, utc

from webconsole.config import LOCALES
from webconsole.web.cells import Formats
from webconsole.web.templating import PERCENT_FORMAT, bytes_text

START = datetime(2025, 12, 30, 23, 59, 59)
# A year and a half every 27 h 13 min 7 s: every hour, months, years, many minutes and seconds, noon,
# midnight and the changes of summer time; each time is written again a minute and an hour later.
TIMES = [START + timedelta(seconds=98_000 * n + n, minutes=extra) for n in range(480) for extra in (0, 1, 60)]
TIMES += [datetime(2026, 6, 1, 12, 0), datetime(2026, 6, 1, 0, 0), datetime(2026, 6, 1, 12, 1)]
SIZES = [0, 1, 2, 512, 1023, 1024, 1536, 10**6, 123_456_789, 5 * 1024**3 + 7, 3 * 1024**4, -2048]
SIZES += [7 ** n + n for n in range(40)] + [1024 ** k * m for k in range(1, 5) for m in (1, 2, 1.05, 1.95, 999.99)]
NUMBERS = [0, 1, 7, 999, 1000, 123_456, 10**9]
PERCENTS = [None, 0, 0.5, 12.25, 50, 99.95, 100]


@pytest.mark.parametrize("code", LOCALES)
@pytest.mark.parametrize("zone", [utc, timezone("Europe/Berlin")])
def test_formats_match_babel(code, zone):
    locale = Locale.parse(code)
    formats = Formats(locale, zone)
    for _ in range(2):  # the second pass reads what the first one kept
        for moment in TIMES:
            assert formats.datetime(moment) == format_datetime(moment, "short", tzinfo=zone, locale=locale)
        for size in SIZES:
            assert formats.bytes(size) == bytes_text(size, locale)
        for number in NUMBERS:
            assert formats.number(number) == format_decimal(number, locale=locale)
        for value in PERCENTS:
            assert formats.percent(value) == format_percent((value or 0) / 100, PERCENT_FORMAT, locale=locale)
