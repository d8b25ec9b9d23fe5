import pytest
from playwright.sync_api import expect

SECTIONS = ["Dashboard", "Organizations", "Users", "Devices", "Destinations", "App Updates", "Client Management",
            "Subscription", "Reports", "Audit Log", "Risk Exposure", "Forensic Search", "Data Connections"]
PATHS = {"Dashboard": "dashboard", "Organizations": "orgs", "Users": "users", "Devices": "devices",
         "Destinations": "destinations", "App Updates": "updates", "Client Management": "client-management",
         "Subscription": "subscription", "Reports": "reports", "Audit Log": "audit",
         "Risk Exposure": "risk-exposure", "Forensic Search": "forensic-search", "Data Connections": "data-connections"}
EXPECTED = {
    "admin@example.com": SECTIONS,
    "orgadmin@example.com": [s for s in SECTIONS if s not in ("App Updates", "Client Management", "Audit Log",
                                                              "Risk Exposure", "Forensic Search",
                                                              "Data Connections")],
    "analyst@example.com": ["Risk Exposure", "Forensic Search", "Data Connections"],
    "legal@example.com": ["Users"],
    "auditor@example.com": ["Audit Log"],
    "helpdesk@example.com": ["Dashboard", "Users", "Devices", "Destinations", "Reports"],
    "user@example.com": [],
}
# Not in the navigation but answering: a Desktop User's home is My devices, yet the Devices list still
# answers them with their own devices alone (see test_desktop_user_sees_only_their_devices).
UNLISTED = {"user@example.com": {"Devices"}}


@pytest.mark.parametrize("username", list(EXPECTED))
def test_each_demo_role_sees_exactly_its_sections(page, sign_in, base_url, username):
    sign_in(username)
    nav = page.locator("#sidenav")
    shown = [s for s in SECTIONS if nav.get_by_role("link", name=s, exact=True).count()]
    assert shown == EXPECTED[username]
    expect(nav.get_by_role("link", name="My Profile")).to_be_visible()
    assert nav.get_by_role("link", name="My devices", exact=True).count() == (username == "user@example.com")
    for section in SECTIONS:
        if section not in EXPECTED[username] and section not in UNLISTED.get(username, ()):
            response = page.goto(f"{base_url}/{PATHS[section]}/")
            assert response.status == 403


def test_org_admin_sees_only_their_subtree(page, sign_in, base_url):
    sign_in("orgadmin@example.com")
    page.goto(base_url + "/orgs/")
    names = page.locator("#list-orgs tbody tr:not(.list-end) td:first-child").all_inner_texts()
    # Other tests may add orgs below Engineering; nothing outside it may show.
    assert {"Data Science", "Engineering", "Mobile", "Platform"} <= set(names)
    assert not set(names) & {"Example Corp", "Sales", "EMEA Sales", "Operations", "IT", "Finance"}


def test_desktop_user_sees_only_their_devices(page, sign_in, base_url):
    sign_in("user@example.com")
    page.goto(base_url + "/devices/")
    users = set(page.locator("#list-devices tbody tr:not(.list-end) td:nth-child(2)").all_inner_texts())
    assert users == {"user@example.com"}


def test_account_menu_signs_out_by_keyboard(page, sign_in, base_url):
    sign_in("admin@example.com")
    page.locator(".account-menu summary").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="My Profile").first).to_be_visible()
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/auth/signin")
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_expired_session_during_scroll_goes_to_sign_in(page, sign_in, base_url):
    sign_in("admin@example.com")
    page.goto(base_url + "/users/")
    page.context.clear_cookies()
    page.locator(".list-sentinel").scroll_into_view_if_needed()
    page.wait_for_url("**/auth/signin**")


def test_navigation_collapses_on_a_narrow_screen_and_opens_by_keyboard(page, sign_in, base_url):
    page.set_viewport_size({"width": 640, "height": 800})
    sign_in("admin@example.com")
    users_link = page.locator("#sidenav").get_by_role("link", name="Users")
    expect(users_link).not_to_be_in_viewport()
    toggle = page.get_by_role("button", name="Show navigation")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(users_link).to_be_in_viewport()
    users_link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/users/")


def test_skip_link_is_the_first_stop_for_the_keyboard(page, sign_in, base_url):
    sign_in("admin@example.com")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
