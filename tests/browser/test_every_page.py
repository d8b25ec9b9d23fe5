"""Every page fits a phone and a desktop, and axe-core finds no serious or critical violation on it, in
the light theme: the administrator (who sees nearly every page) in English at 390 x 844 and 1440 x 900 and
again in German on a phone. tests/browser/page_audit.py walks the pages; the other roles are in
test_every_page_roles.py and the dark theme in test_every_page_dark.py, files of their own so that they
run on several workers at once.
"""
import pytest
from playwright.sync_api import expect

from tests.browser.page_audit import FIRST_ROW, SIZES, check_every_page, signed_in_page, visit

# English at both sizes; German's longer words once more on a phone.
CASES = [("admin", size, "en_US") for size in SIZES] + [("admin", "phone", "de")]


@pytest.mark.parametrize(("role", "size", "locale"), CASES)
def test_every_page_fits_and_passes_axe(browser, base_url, role, size, locale):
    check_every_page(browser, base_url, role, size, locale)


def test_a_phone_keeps_many_actions_behind_one_menu_button(browser, base_url):
    page = signed_in_page(browser, base_url, "admin", "phone")
    try:
        visit(page, base_url + "/devices/")
        visit(page, page.evaluate(FIRST_ROW))
        toggle = page.get_by_role("button", name="Actions")
        deactivate = page.locator(".page-actions").get_by_role("link", name="Deactivate")
        expect(deactivate).to_be_hidden()
        toggle.focus()
        page.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(deactivate).to_be_visible()
        page.keyboard.press("Escape")
        expect(deactivate).to_be_hidden()
        expect(toggle).to_be_focused()
        page.set_viewport_size(SIZES["desktop"])
        expect(toggle).to_be_hidden()
        expect(deactivate).to_be_visible()
    finally:
        page.context.close()
