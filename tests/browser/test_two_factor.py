"""Two-factor sign-in as a person does it: set up an authenticator app from My Profile, sign out, sign in
with the password and a code."""
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import DEMO_PASSWORD
from tests.two_factor import Authenticator
from webconsole.domain.passwords import hash_password
from webconsole.domain.permissions import role_by_key
from webconsole.extensions import db
from webconsole.models import Org, User


def test_a_user_sets_up_an_authenticator_and_signs_in_with_a_code(page, sign_in, base_url, live_app):
    # A user of this test's own, so the demo's sign-ins stay password-only for every other test.
    with live_app.app_context():
        root = db.session.scalars(select(Org).where(Org.parent_id.is_(None))).first()
        person = User(username="totp@example.com", email="totp@example.com", first_name="Toni", last_name="Otp",
                      password_hash=hash_password(DEMO_PASSWORD), org_id=root.id)
        person.roles.append(role_by_key("desktop_user"))
        db.session.add(person)
        db.session.commit()
    sign_in("totp@example.com")
    page.goto(base_url + "/account/profile")
    section = page.locator("#two-factor")
    section.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.locator(".qr-code svg")).to_be_visible()
    # What a person types into their app when they cannot scan: the key shown beside the QR code.
    app = Authenticator(page.locator("#two-factor-secret").inner_text().replace(" ", ""))
    page.get_by_label("Code", exact=True).fill(app())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="Done").click()
    expect(page.locator("#two-factor").get_by_text("On", exact=True)).to_be_visible()

    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/auth/signin")
    page.fill("input[name=username]", "totp@example.com")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/auth/signin/code")
    page.get_by_label("Code", exact=True).fill("000000" if app.totp.now() != "000000" else "111111")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("The code is not correct")).to_be_visible()
    page.get_by_label("Code", exact=True).fill(app())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/auth/signin" not in url)
    page.goto(base_url + "/account/profile")
    expect(page.get_by_role("heading", name="Toni Otp")).to_be_visible()
