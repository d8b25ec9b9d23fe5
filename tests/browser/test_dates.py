"""A German console in Chromium: dates are shown and typed as dd.mm.yyyy, whatever the browser's language."""
import re

from playwright.sync_api import expect


def test_german_forensic_search_range_is_typed_and_shown_as_dd_mm_yyyy(page, sign_in, base_url):
    sign_in("admin@example.com", locale="de")
    page.goto(base_url + "/forensic-search/?range=custom&from=2020-01-01")
    start = page.locator("#search-from")
    expect(start).to_have_attribute("type", "text")
    expect(start).to_have_value("01.01.2020")
    expect(start).to_have_attribute("placeholder", "31.12.2026")
    start.fill("15.03.2021")
    page.locator("#search-to").fill("31.12.2030")
    with page.expect_navigation():
        start.press("Enter")
    # The address carries the days as YYYY-MM-DD; the inputs show them as a German reads them.
    expect(page).to_have_url(re.compile(r"from=2021-03-15.*to=2030-12-31"))
    expect(page.locator("#search-from")).to_have_value("15.03.2021")
    expect(page.locator("#search-to")).to_have_value("31.12.2030")
    expect(page.locator("#search-from")).not_to_have_attribute("aria-invalid", "true")


def test_german_audit_log_filter_takes_dd_mm_yyyy_and_keeps_iso_in_history(page, sign_in, base_url):
    sign_in("admin@example.com", locale="de")
    page.goto(base_url + "/audit/")
    rows = page.locator("#list-audit tbody tr:not(.list-end)")
    expect(rows.first).to_be_visible()
    since = page.locator("#list-filter-audit-since")
    expect(since).to_have_attribute("placeholder", "31.12.2026")
    since.fill("31.12.2098")  # after every event: the list empties
    expect(page).to_have_url(re.compile(r"since=2098-12-31"))
    expect(page.locator("#list-audit tbody td").first).not_to_have_text(re.compile("admin@example.com"))
    page.reload()
    expect(page.locator("#list-filter-audit-since")).to_have_value("31.12.2098")
