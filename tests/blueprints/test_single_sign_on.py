"""Identity Management > Single sign-on in the browser: who may configure it, what is refused, what is audited."""
import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, configure_provider
from webconsole.extensions import db
from webconsole.models import AuditEvent, IdentityProvider, Role

URL = "/identity/single-sign-on/"


def _form(world, **changes):
    data = {"name": "Acme ID", "issuer": "https://login.acme.test", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "scopes": "openid email", "username_claim": "email",
            "org_ids": [str(world["eng"])]}
    return {**data, **changes}


def _audited(app, object_id):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.event_type).where(
            AuditEvent.object_type == "identity_provider", AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.id)))


def test_an_admin_adds_enables_tests_and_deletes_a_provider(client, sign_in, world, app, oidc_issuer):
    sign_in("admin@acme.test")
    assert 'href="/identity/single-sign-on/"' in client.get("/account/profile").get_data(as_text=True)
    assert "No identity provider yet" in client.get(URL).get_data(as_text=True)
    made = client.post(URL + "new", data=_form(world, issuer=oidc_issuer))
    assert made.status_code == 302
    with app.app_context():
        provider = db.session.scalar(select(IdentityProvider))
        provider_id = provider.id
        assert CLIENT_SECRET not in provider.sealed_secret and not provider.enabled and not provider.jit_enabled
        assert [o.id for o in provider.orgs] == [world["eng"]]
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert CLIENT_SECRET not in page and "http://localhost/sso/callback" in page
    # An empty secret keeps the stored one.
    assert client.post(f"{URL}{provider_id}", data=_form(world, issuer=oidc_issuer, client_secret="",
                                                          name="Acme Login")).status_code == 302
    assert client.post(f"{URL}{provider_id}/enabled", data={"enabled": "1"}).status_code == 303
    tested = client.post(f"{URL}{provider_id}/discovery")
    assert tested.status_code == 200 and "its configuration is valid" in tested.get_data(as_text=True)
    assert oidc_issuer + "/jwks" in tested.get_data(as_text=True)
    listing = client.get(URL).get_data(as_text=True)
    assert "Acme Login" in listing and "Engineering" in listing and "Enabled" in listing
    signin = client.get("/auth/signin")  # signed in: redirected; the button shows to everyone signed out
    client.post("/auth/signout")
    assert "Sign in with Acme Login" in client.get("/auth/signin").get_data(as_text=True), signin.status_code
    sign_in("admin@acme.test")
    assert "Users of its organizations sign in with their passwords again" in client.get(
        f"{URL}{provider_id}/delete").get_data(as_text=True)
    assert client.post(f"{URL}{provider_id}/delete").status_code == 303
    with app.app_context():
        assert db.session.get(IdentityProvider, provider_id) is None
    assert _audited(app, provider_id) == ["sso.create", "sso.update", "sso.enable", "sso.discovery_test",
                                          "sso.delete"]


def test_discovery_of_an_unreachable_or_wrong_issuer_is_a_clear_error(client, sign_in, world, app, oidc_issuer):
    sign_in("admin@acme.test")
    down = configure_provider(app, world["admin"], [world["eng"]], "http://127.0.0.1:9", enabled=False)
    answer = client.post(f"{URL}{down}/discovery")
    assert answer.status_code == 422 and "could not be reached" in answer.get_data(as_text=True)
    # A provider that calls itself by another name is not this issuer.
    other = configure_provider(app, world["admin"], [world["sales"]], oidc_issuer + "/", enabled=False)
    answer = client.post(f"{URL}{other}/discovery")
    assert answer.status_code == 422 and "calls itself" in answer.get_data(as_text=True)


@pytest.mark.parametrize("changes", [
    {"issuer": "javascript:alert(1)"}, {"issuer": "ftp://login.acme.test"}, {"issuer": "https://"},
    {"issuer": "https://login.acme.test/?x=1"}, {"issuer": "https://user:pw@login.acme.test"},
    {"issuer": "https://" + "a" * 600}, {"scopes": "email profile"}, {"scopes": 'openid "quoted"'},
    {"client_secret": ""}, {"client_id": "two words"}, {"username_claim": "em ail"}, {"name": ""},
    {"org_ids": ["99999999"]}, {"org_ids": ["²"]}, {"jit_enabled": "y"},
    {"jit_enabled": "y", "jit_org_id": "x", "jit_role_id": "1"},
])
def test_refused_values_store_nothing(client, sign_in, world, app, changes):
    sign_in("admin@acme.test")
    answer = client.post(URL + "new", data=_form(world, **changes))
    assert answer.status_code == 422, changes
    with app.app_context():
        assert db.session.scalar(select(IdentityProvider.id)) is None


def test_just_in_time_users_go_to_one_of_the_providers_orgs(client, sign_in, world, app):
    sign_in("admin@acme.test")
    with app.app_context():
        desktop = str(db.session.scalar(select(Role.id).where(Role.key == "desktop_user")))
    outside = client.post(URL + "new", data=_form(world, jit_enabled="y", jit_org_id=str(world["sales"]),
                                                  jit_role_id=desktop))
    assert outside.status_code == 422 and "one of this provider" in outside.get_data(as_text=True)
    inside = client.post(URL + "new", data=_form(world, jit_enabled="y", jit_org_id=str(world["platform"]),
                                                 jit_role_id=desktop))
    assert inside.status_code == 302


def test_an_org_signs_in_through_one_provider_and_the_admin_keeps_a_way_in(client, sign_in, world, app):
    configure_provider(app, world["admin"], [world["eng"]], "https://login.acme.test")
    sign_in("admin@acme.test")
    taken = client.post(URL + "new", data=_form(world, name="Other", org_ids=[str(world["eng"])]))
    assert taken.status_code == 422 and "already signs in through Acme ID" in taken.get_data(as_text=True)
    # The admin's own org (the root) under an enabled provider would leave no one a password way in.
    made = client.post(URL + "new", data=_form(world, name="Root ID", org_ids=[str(world["root"])]))
    assert made.status_code == 302
    provider_id = int(made.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    refused = client.post(f"{URL}{provider_id}/enabled", data={"enabled": "1"}, follow_redirects=True)
    assert "Your own organization would sign in through this provider" in refused.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(IdentityProvider, provider_id).enabled


def test_a_password_no_longer_signs_in_a_user_of_a_single_sign_on_org(client, sign_in, world, app):
    configure_provider(app, world["admin"], [world["eng"]], "https://login.acme.test")
    refused = sign_in("user@acme.test")  # Platform, below Engineering
    assert refused.status_code == 401 and "single sign-on" in refused.get_data(as_text=True)
    assert client.post("/auth/signin", data={"username": "seller@acme.test",
                                             "password": PASSWORD}).status_code == 302
    with app.app_context():
        reasons = [e.details.get("reason") for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "signin.failed"))]
    assert reasons == ["single sign-on required"]


def test_only_those_who_manage_identity_reach_single_sign_on(client, sign_in, world, app):
    provider_id = configure_provider(app, world["admin"], [world["sales"]], "https://login.acme.test")
    for username in ("orgadmin@acme.test", "helpdesk@acme.test", "auditor@acme.test", "user@acme.test"):
        sign_in(username)
        for url in (URL, URL + "new", f"{URL}{provider_id}", f"{URL}{provider_id}/delete"):
            assert client.get(url).status_code == 403, (username, url)
        assert client.post(f"{URL}{provider_id}/delete").status_code == 403
        assert "/identity/single-sign-on/" not in client.get("/account/profile").get_data(as_text=True)
        client.post("/auth/signout")
    sign_in("admin@acme.test")
    assert client.get(f"{URL}99999999").status_code == 404 and client.get(f"{URL}{'9' * 30}").status_code == 404


def test_forms_need_their_csrf_token(client, sign_in, world, app):
    provider_id = configure_provider(app, world["admin"], [world["sales"]], "https://login.acme.test", enabled=False)
    sign_in("admin@acme.test")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"{URL}{provider_id}/enabled", data={"enabled": "1"}).status_code == 400
    assert client.post(f"{URL}{provider_id}/delete").status_code == 400
    assert client.post(URL + "new", data=_form(world)).status_code == 400
    with app.app_context():
        assert not db.session.get(IdentityProvider, provider_id).enabled
        assert db.session.scalar(select(IdentityProvider.id).where(IdentityProvider.id != provider_id)) is None
