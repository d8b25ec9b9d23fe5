"""Dates and times typed and shown in the console's locale: every locale reads back what it writes."""
from datetime import date

import pytest
from babel import Locale

from webconsole.config import LOCALES
from webconsole.domain import dates
from webconsole.domain.errors import ValidationError

DAYS = [dates.FIRST_DAY, date(1970, 1, 1), date(2024, 2, 29), date(2026, 1, 5), date(2026, 12, 31), dates.LAST_DAY]
TIMES = ["00:00", "00:30", "09:05", "11:59", "12:00", "12:30", "13:00", "22:00", "23:59"]


@pytest.fixture
def ctx(app):
    with app.test_request_context():  # messages are translated
        yield


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_reads_back_the_days_it_writes_with_four_digit_years(ctx, locale):
    for day in DAYS:
        shown = dates.format_day(day, locale)
        assert str(day.year) in shown, shown
        assert dates.parse_day(shown, locale=locale) == day, shown


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_reads_back_the_times_it_writes(ctx, locale):
    for moment in TIMES:
        shown = dates.format_time_of_day(moment, locale)
        assert dates.parse_time_of_day(shown, locale=locale) == moment, shown


@pytest.mark.parametrize("locale", LOCALES)
def test_iso_days_and_24_hour_times_are_read_in_every_locale(ctx, locale):
    assert dates.parse_day("2026-12-31", locale=locale) == date(2026, 12, 31)
    assert dates.parse_day("２０２６-０１-０５", locale=locale) == date(2026, 1, 5)  # a Japanese or Chinese IME
    assert dates.parse_time_of_day("22:00", locale=locale) == "22:00"
    assert dates.parse_time_of_day("07:45", locale=locale) == "07:45"
    assert dates.parse_time_of_day("２２：００", locale=locale) == "22:00"


@pytest.mark.parametrize("locale, day, time", [
    ("en_US", "12/31/2026", "10:00 PM"),
    ("en_GB", "31/12/2026", "22:00"),
    ("de", "31.12.2026", "22:00"),
    ("ja", "2026/12/31", "22:00"),
    ("ko", "2026. 12. 31.", "오후 10:00"),
    ("zh_Hant_TW", "2026/12/31", "下午10:00"),
    ("sv", "2026-12-31", "22:00"),
    ("th", "31/12/2026", "22:00 น."),
])
def test_the_locale_s_own_forms(ctx, locale, day, time):
    assert dates.format_day(date(2026, 12, 31), locale) == day
    assert dates.format_time_of_day("22:00", locale) == time


@pytest.mark.parametrize("locale, typed, day", [
    ("de", "31.12.2026", date(2026, 12, 31)),
    ("de", "1.2.2026", date(2026, 2, 1)),
    ("de", "01/02/2026", date(2026, 2, 1)),  # any separators, in the locale's order
    ("en_US", "2/1/2026", date(2026, 2, 1)),
    ("en_US", " 12-31-2026 ", date(2026, 12, 31)),
    ("ja", "2026年12月31日", date(2026, 12, 31)),
    ("ko", "2026.12.31", date(2026, 12, 31)),
    ("nl", "31-12-2026", date(2026, 12, 31)),
])
def test_days_are_read_in_the_locale_s_order_with_any_separators(ctx, locale, typed, day):
    assert dates.parse_day(typed, locale=locale) == day


@pytest.mark.parametrize("locale, typed, moment", [
    ("en_US", "10:00 pm", "22:00"), ("en_US", "10:00PM", "22:00"), ("en_US", "12:15 AM", "00:15"),
    ("en_US", "12:15 p.m.", "12:15"), ("en_US", "9:05", "09:05"),
    ("de", "10:00 PM", "22:00"), ("es_ES", "10:00 p. m.", "22:00"), ("sv", "10:00 em", "22:00"),
    ("ko", "오후 10:00", "22:00"), ("zh_Hant_TW", "下午 10:00", "22:00"), ("ja", "午後10:00", "22:00"),
    ("th", "22:00 น.", "22:00"), ("th", "22.00", "22:00"),
])
def test_times_are_read_with_the_locale_s_am_pm_words_and_as_24_hour(ctx, locale, typed, moment):
    assert dates.parse_time_of_day(typed, locale=locale) == moment


@pytest.mark.parametrize("typed", [
    "", "²", "٣١.١٢.٢٠٢٦", "31.12.2026\x00", "9" * 25, "31.02.2026", "31.02.", "31.12.26", "10000-01-01",
    "2026-12", "31.12.2026.1", "yesterday", "2026-13-01", "0000-01-01", "31." + "-" * 40 + "12.2026", None,
])
def test_hostile_days_are_refused_with_an_example_in_the_locale(ctx, typed):
    with pytest.raises(ValidationError) as refused:
        dates.parse_day(typed, field="since", locale="de")
    assert refused.value.field == "since" and "31.12.2026" in str(refused.value)


@pytest.mark.parametrize("typed", ["9999-12-31", "1899-12-31"])
def test_days_beyond_the_console_s_range_name_the_range(ctx, typed):
    with pytest.raises(ValidationError) as refused:
        dates.parse_day(typed, locale="de")
    assert str(refused.value) == "Enter a date from 01.01.1900 to 31.12.9998."


@pytest.mark.parametrize("typed", [
    "", "24:00", "12:60", "13:00 PM", "0:30 AM", "10 PM", "10:00 XM", "10:00 PM PM", "²2:00", "٢٢:٠٠",
    "22:00\x00", "9" * 25, "1:2", "22:00:00", None,
])
def test_hostile_times_are_refused_with_an_example_in_the_locale(ctx, typed):
    with pytest.raises(ValidationError) as refused:
        dates.parse_time_of_day(typed, field="window_start", locale="en_US")
    assert refused.value.field == "window_start" and str(refused.value) == "Enter a time such as 10:00 PM."


def test_without_a_locale_the_request_s_locale_is_used(app):
    with app.test_request_context(headers={"Cookie": "locale=de"}):
        assert dates.day_example() == "31.12.2026" and dates.parse_day("31.12.2026") == date(2026, 12, 31)
    with app.test_request_context():
        assert dates.day_example() == "12/31/2026" and dates.time_example() == "10:00 PM"
    assert dates.format_day(date(2026, 12, 31), Locale.parse("fr")) == "31/12/2026"


def test_values_shown_in_inputs_keep_what_does_not_read(ctx):
    assert dates.shown_day("2026-12-31", "de") == "31.12.2026"
    assert dates.shown_day("31.02.2026", "de") == "31.02.2026"
    assert dates.shown_time("22:00", "en_US") == "10:00 PM"
    assert dates.shown_time("25:00", "en_US") == "25:00"
