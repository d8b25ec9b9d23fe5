from babel.messages.pofile import read_po
from playwright.sync_api import expect

from webconsole.config import LOCALES


def translated(locale, msgid):
    with open(f"translations/{locale}/LC_MESSAGES/messages.po", "rb") as f:
        return read_po(f)[msgid].string


def test_every_language_can_be_chosen_from_the_account_menu(page, sign_in, base_url):
    sign_in("admin@example.com")
    page.goto(base_url + "/devices/?sort=last_connected&dir=desc")
    for locale in LOCALES[1:] + LOCALES[:1]:
        page.locator(".account-menu summary").click()
        with page.expect_navigation():
            page.locator("#locale-select").select_option(locale)
        expect(page.locator("html")).to_have_attribute("lang", locale.replace("_", "-").replace("-Hans-CN", "-Hans-CN"))
        expect(page.locator("h1")).to_have_text(translated(locale, "Devices"))
        expect(page).to_have_url(f"{base_url}/devices/?sort=last_connected&dir=desc")


def test_language_can_be_chosen_before_signing_in(page, base_url):
    page.goto(base_url + "/auth/signin")
    with page.expect_navigation():
        page.locator("#locale-select").select_option("ja")
    expect(page.locator("h1")).to_have_text(translated("ja", "Sign in to the console"))
