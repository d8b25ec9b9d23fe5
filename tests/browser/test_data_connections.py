"""Data Connections as an administrator uses them: add one, hand its address and token to a sender,
watch its events and errors arrive, pause it, replace its token, remove it."""
import json
import re
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect


def send(url, token, events):
    """POST events as a sender would; (status, JSON answer)."""
    request = urllib.request.Request(url, data=json.dumps({"events": events}).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def yesterday():
    return (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def event(**changes):
    return {"eventId": str(uuid.uuid4()), "eventType": "MODIFIED", "eventTimestamp": yesterday(),
            "fileName": "board-minutes.docx", "filePath": "/My Drive/Board/", "deviceUserName": "secretary@board.test",
            "exposure": ["SharedViaLink"], **changes}


def test_an_investigator_connects_a_drive_and_follows_its_events(page, sign_in, base_url):
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in("analyst@example.com")
    page.get_by_role("navigation").get_by_role("link", name="Data Connections").click()
    page.get_by_role("link", name="Add data connection").click()
    page.get_by_label("Google Drive").check()
    page.get_by_label("Name").fill("Board drive")
    page.get_by_role("button", name="Add connection").click()
    expect(page.get_by_text("Copy the token now: it is not shown again.")).to_be_visible()
    url, token = page.locator("#ingest-url").inner_text(), page.locator("#connection-token").inner_text()
    assert url.startswith(base_url + "/api/connections/v1/") and token.startswith("wcdc_")

    assert send(url, token, [event(), event()])[0] == 200
    status, answer = send(url, token, [event(eventTimestamp="soon")])
    assert status == 400 and answer["error"]["field"] == "events[0].eventTimestamp"
    page.get_by_role("link", name="Data Connections").first.click()
    row = page.locator("#list-connections tbody tr", has_text="Board drive")
    expect(row).to_contain_text("Google Drive")
    expect(row.locator("td").nth(4)).to_have_text("2")  # received
    expect(row.locator("td").nth(5)).to_have_text("1")  # rejected
    row.get_by_role("link", name="Board drive").click()
    expect(page.get_by_text("events[0].eventTimestamp: eventTimestamp must be an ISO 8601 time")).to_be_visible()
    expect(page.locator("#connection-token")).to_have_count(0)  # shown once only

    page.get_by_role("link", name="Search its events").click()
    expect(page.locator("table.list tbody")).to_contain_text("board-minutes.docx")
    page.go_back()

    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_text("Data connection paused.")).to_be_visible()
    assert send(url, token, [event()])[0] == 409
    page.get_by_role("button", name="Resume").click()

    page.get_by_role("button", name="Replace token").click()  # confirmed in the dialog
    new = page.locator("#connection-token").inner_text()
    assert new != token and send(url, token, [event()])[0] == 401 and send(url, new, [event()])[0] == 200

    page.get_by_role("link", name="Remove").click()
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Data connection “Board drive” removed.")).to_be_visible()
    expect(page.locator("#list-connections")).not_to_contain_text("Board drive")
    assert send(url, new, [event()])[0] == 404
    page.get_by_role("combobox", name="Status").select_option(label="Removed")
    expect(page.locator("#list-connections")).to_contain_text("Board drive")
    assert re.search(r"/data-connections/", page.url)
