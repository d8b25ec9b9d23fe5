"""Single sign-on in Chromium: the sign-in page's "Sign in with …" button, the real OpenID provider's own
login page (npm's oidc-provider), and the console signed in; unknown users refused or created just in time."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.oidc_provider import configure_provider, running_provider
from webconsole.domain import sso_providers
from webconsole.domain.orgs import create_org
from webconsole.extensions import db
from webconsole.models import IdentityProvider, Org, Role, User


@pytest.fixture(scope="module")
def sso_world(live_app, base_url):
    """An org of its own under the demo's top org, one of its users, and a provider it signs in through."""
    with running_provider([base_url + "/sso/callback"]) as issuer:
        with live_app.app_context():
            top = db.session.scalar(select(Org).where(Org.name == "Example Corp"))
            org = create_org("Single Sign-On Browser Test", top)
            role = db.session.scalar(select(Role).where(Role.key == "desktop_user"))
            user = User(username="sso.person@example.com", email="sso.person@example.com", first_name="Sunniva",
                        last_name="Solberg", org=org, password_hash=None, roles=[role])
            db.session.add(user)
            db.session.commit()
            admin_id = db.session.scalar(select(User.id).where(User.username == "admin@example.com"))
            ids = {"org": org.id, "role": role.id, "admin": admin_id}
        ids["provider"] = configure_provider(live_app, admin_id, [ids["org"]], issuer, name="Example ID")
        yield ids
        with live_app.app_context():
            sso_providers.delete_provider(db.session.get(User, admin_id),
                                          db.session.get(IdentityProvider, ids["provider"]))


def _through_the_provider(page, base_url, login):
    page.goto(base_url + "/auth/signin")
    page.get_by_role("link", name="Sign in with Example ID").click()
    page.wait_for_url(lambda url: not url.startswith(base_url))
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: url.startswith(base_url) and "/sso/" not in url)


def test_a_user_signs_in_through_the_openid_provider(page, base_url, sso_world):
    _through_the_provider(page, base_url, "sso.person@example.com")
    assert "/auth/signin" not in page.url
    expect(page.locator(".account-name")).to_have_text("Sunniva Solberg")


def test_an_unknown_user_is_refused_until_just_in_time_creation_is_on(page, base_url, sso_world, live_app):
    page.goto(base_url + "/auth/signin")
    page.get_by_role("link", name="Sign in with Example ID").click()
    page.fill("input[name=login]", "newcomer@example.com")
    page.fill("input[name=password]", "any password")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("No account in the console matches")
    with live_app.app_context():
        admin = db.session.get(User, sso_world["admin"])
        provider = db.session.get(IdentityProvider, sso_world["provider"])
        sso_providers.save_provider(admin, provider, name=provider.name, issuer=provider.issuer,
                                    client_id=provider.client_id, client_secret="", scopes=provider.scopes,
                                    username_claim="email", org_ids=[str(sso_world["org"])], jit_enabled=True,
                                    jit_org_id=str(sso_world["org"]), jit_role_id=str(sso_world["role"]))
    page.get_by_role("link", name="Back to sign in").click()
    # Still signed in at the provider: it sends the browser straight back, and the console creates the user.
    page.get_by_role("link", name="Sign in with Example ID").click()
    page.wait_for_url(lambda url: url.startswith(base_url) and "/sso/" not in url and "/auth/" not in url)
    with live_app.app_context():
        created = db.session.scalar(select(User).where(User.username == "newcomer@example.com"))
        assert created.org_id == sso_world["org"] and [r.key for r in created.roles] == ["desktop_user"]
