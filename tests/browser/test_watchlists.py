"""Watchlists as an investigator uses them: put a departing employee on the list with their last day,
see the quick filter count them, and open their profile."""
import re
from datetime import UTC, datetime

from playwright.sync_api import expect


def test_an_investigator_adds_a_departing_employee_and_opens_their_profile(page, sign_in):
    sign_in("analyst@example.com")
    page.get_by_role("navigation").get_by_role("link", name="Watchlists").click()
    expect(page.get_by_role("link", name="Departing Employees")).to_have_attribute("aria-current", "page")
    leaving_today = page.locator(".quick-filter[data-quick=leaving_today] .quick-count")
    expect(leaving_today).to_have_text(re.compile(r"\d"))
    before = int(leaving_today.inner_text().rstrip("+").replace(",", ""))

    page.get_by_role("link", name="Add employees").click()
    page.get_by_label("Employees").fill("hugo")
    candidate = page.get_by_label("Hugo Martin")
    expect(candidate).to_be_visible()
    candidate.check()
    today = datetime.now(UTC).date().isoformat()
    page.get_by_label("Departure date").fill(today)
    page.get_by_label("Notes").fill("Last day today")
    page.get_by_role("button", name="Add", exact=True).click()

    expect(page.get_by_text("Added to Departing Employees: helpdesk@example.com.")).to_be_visible()
    expect(leaving_today).to_have_text(str(before + 1))
    page.locator(".quick-filter[data-quick=leaving_today]").click()
    row = page.locator("table.list tbody tr", has_text="helpdesk@example.com")
    expect(row).to_be_visible()
    row.get_by_role("link", name="Hugo Martin").click()
    expect(page.get_by_role("heading", name="User activity: Hugo Martin")).to_be_visible()
    profile = page.locator("#risk-profile")
    expect(profile).to_contain_text("Departing Employees")
    expect(profile).to_contain_text("Last day today")
    expect(page.get_by_role("heading", name="Security events")).to_be_visible()
