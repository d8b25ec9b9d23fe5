"""Alerts as an investigator meets them: write a rule, see the alert it raises, resolve it with a note."""
import uuid

from playwright.sync_api import expect

from tests.browser.test_data_connections import event, send


def test_an_investigator_writes_a_rule_sees_its_alert_and_resolves_it(page, sign_in):
    sign_in("analyst@example.com")
    tag = uuid.uuid4().hex[:6]
    page.get_by_role("navigation").get_by_role("link", name="Alerts").click()
    page.get_by_role("link", name="Rules").click()
    page.get_by_role("link", name="Add alert rule").first.click()
    page.get_by_label("Name", exact=True).fill(f"Shared board papers {tag}")
    page.get_by_label("Vector").select_option("cloud_share")
    page.get_by_label("Threshold", exact=True).fill("0")
    page.get_by_role("button", name="Add rule").click()
    expect(page.get_by_text("Enter a whole number from 1 to 1,000,000.")).to_be_visible()  # beside its field
    page.get_by_label("Threshold", exact=True).fill("1")
    page.get_by_label("Within", exact=True).fill("1")
    page.get_by_label("Window unit").select_option("days")
    page.get_by_role("button", name="Add rule").click()
    expect(page.locator("#list-alert_rules tbody")).to_contain_text(f"Shared board papers {tag}")

    # Two shared files arrive from a data connection.
    page.get_by_role("navigation").get_by_role("link", name="Data Connections").click()
    page.get_by_role("link", name="Add data connection").click()
    page.get_by_label("Google Drive").check()
    page.get_by_label("Name").fill(f"Board papers feed {tag}")
    page.get_by_role("button", name="Add connection").click()
    url, token = page.locator("#ingest-url").inner_text(), page.locator("#connection-token").inner_text()
    person = f"leaver-{tag}@board.test"
    batch = [event(deviceUserName=person), event(deviceUserName=person)]
    assert send(url, token, batch)[0] == 200
    assert send(url, token, batch)[0] == 200  # retried: nothing new

    page.get_by_role("navigation").get_by_role("link", name="Alerts").click()
    page.locator("#list-search-alerts").fill(person)
    rows = page.locator("#list-alerts tbody tr", has_text=person)
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Open")
    rows.locator("a").first.click()
    expect(page.get_by_text("2 files")).to_be_visible()
    expect(page.locator("table.plain tbody tr")).to_have_count(2)
    page.locator("#state").select_option("resolved")
    page.get_by_role("button", name="Change state").click()
    expect(page.get_by_text("Say why you resolve the alert in a note.")).to_be_visible()
    page.locator("#state").select_option("resolved")
    page.locator("form", has=page.locator("#state")).get_by_label("Note (required to resolve)").fill(
        "Board papers shared with the auditors, as agreed.")
    page.get_by_role("button", name="Change state").click()
    expect(page.get_by_text("Alert updated.")).to_be_visible()
    expect(page.locator(".alert-history")).to_contain_text("Board papers shared with the auditors, as agreed.")
    page.screenshot(path="/tmp/alert-detail.png", full_page=True)
