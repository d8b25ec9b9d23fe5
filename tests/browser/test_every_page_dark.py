"""The dark theme: every page fits and passes axe-core (colour contrast included) in dark, and the
Account menu's theme choice beats the system's colour scheme and is kept.

Dark is checked where the pages differ most: the administrator (who sees nearly every page) in English
on a desktop and in German on a phone, and the Desktop User's own pages on a phone.
"""
import pytest
from playwright.sync_api import expect

from tests.browser.page_audit import QUIET, check_every_page, signed_in_page, visit

CASES = [("admin", "desktop", "en_US"), ("admin", "phone", "de"), ("user", "phone", "en_US")]
# The page's background as the browser paints it, and the theme the page asked for.
BACKGROUND = "getComputedStyle(document.body).backgroundColor"
THEME = "document.documentElement.dataset.theme || 'system'"
DARK_CANVAS, LIGHT_CANVAS = "rgb(14, 19, 25)", "rgb(244, 246, 249)"


@pytest.mark.parametrize(("role", "size", "locale"), CASES)
def test_every_page_fits_and_passes_axe_in_dark(browser, base_url, role, size, locale):
    check_every_page(browser, base_url, role, size, locale, scheme="dark")


def choose_theme(page, label):
    """Pick a theme in the Account menu by keyboard, as a person would, and wait for the page to reload."""
    page.locator(".account-menu > summary").focus()
    page.keyboard.press("Enter")
    select = page.get_by_label("Theme")
    expect(select).to_be_visible()
    with page.expect_navigation():
        select.select_option(label=label)
    page.wait_for_function(QUIET)


def test_the_account_menu_choice_beats_the_system_and_is_kept(browser, base_url):
    page = signed_in_page(browser, base_url, "admin", "desktop", scheme="light")
    try:
        visit(page, base_url + "/dashboard/")
        assert page.evaluate(BACKGROUND) == LIGHT_CANVAS
        choose_theme(page, "Dark")
        assert page.evaluate(THEME) == "dark"
        assert page.evaluate(BACKGROUND) == DARK_CANVAS
        # The charts take the theme's colours: their axis labels are light on the dark page.
        expect(page.locator(".chart canvas").first).to_be_visible()
        visit(page, base_url + "/users/")
        assert page.evaluate(BACKGROUND) == DARK_CANVAS
        choose_theme(page, "Same as the system")
        assert page.evaluate(THEME) == "system"
        assert page.evaluate(BACKGROUND) == LIGHT_CANVAS
        # The system turning dark is followed at once, without a reload.
        page.emulate_media(color_scheme="dark")
        assert page.evaluate(BACKGROUND) == DARK_CANVAS
        choose_theme(page, "Light")
        assert page.evaluate(BACKGROUND) == LIGHT_CANVAS
    finally:
        page.context.close()
