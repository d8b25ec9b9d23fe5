"""The console command line as an administrator uses it."""
from playwright.sync_api import expect


def test_open_by_double_clicking_the_logo_run_help_and_a_listing(page, sign_in, base_url):
    sign_in("admin@example.com")
    panel = page.locator("#console-panel")
    expect(panel).to_be_hidden()
    page.locator(".brand").dblclick()
    expect(panel).to_be_visible()
    box = page.get_by_role("textbox", name="Console command")
    expect(box).to_be_focused()
    box.fill("help")
    box.press("Enter")
    expect(panel.locator(".command-output").first).to_contain_text("prop.set <name> <value>")
    box.fill("orgs Sales")
    box.press("Enter")
    expect(panel.locator(".command-output").first).to_contain_text("EMEA Sales")
    # History: the up arrow brings back the last line.
    box.press("ArrowUp")
    expect(box).to_have_value("orgs Sales")
    box.press("Escape")
    expect(panel).to_be_hidden()


def test_ctrl_shift_x_opens_it_and_an_org_admin_has_none(page, sign_in, base_url):
    sign_in("admin@example.com")
    page.keyboard.press("Control+Shift+X")
    expect(page.locator("#console-panel")).to_be_visible()
    page.get_by_role("textbox", name="Console command").fill("whoami")
    page.get_by_role("textbox", name="Console command").press("Enter")
    expect(page.locator("#console-output")).to_contain_text("admin@example.com")
    page.context.clear_cookies()
    sign_in("orgadmin@example.com")
    page.keyboard.press("Control+Shift+X")
    expect(page.locator("#console-panel")).to_have_count(0)
    response = page.request.post(f"{base_url}/console/run", form={"line": "help"})
    assert response.status in (400, 403)  # no console for Org Admins (and no CSRF token either)
