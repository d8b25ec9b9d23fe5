"""Every route declares who may use it, and each role reaches exactly its sections."""
import pytest

from tests.conftest import base_config
from webconsole import create_app

# Routes reachable without signing in, on purpose.
PUBLIC = {"static", "home.index", "auth.signin", "auth.signin_code", "account.set_locale", "sso.start",
          "sso.callback"}


def test_every_route_declares_a_permission():
    app = create_app(base_config("sqlite://"))
    undeclared, public, devices, senders, api = [], set(), set(), set(), set()
    for endpoint, view in app.view_functions.items():
        permission = getattr(view, "permission", None)
        if permission is None:
            undeclared.append(endpoint)
        elif permission == "public":
            public.add(endpoint)
        elif permission == "device":
            devices.add(endpoint)
        elif permission == "connection":
            senders.add(endpoint)
        elif permission.startswith("api:"):
            api.add(endpoint)
    assert undeclared == []
    assert public == PUBLIC
    # The agent protocol and restic's storage: devices prove themselves with a registration key or their secret.
    assert devices and all(e.startswith(("agent_api.", "storage.")) for e in devices)
    # Data connections' senders prove themselves with their connection's token.
    assert senders == {"ingest.events"}
    # The REST API's own kinds: a permission, any signed-in caller, the token call's credentials, and the
    # key-value store's public addresses; only its door declares them.
    assert api and all(e.startswith("code42_api.") for e in api)


SECTIONS = ["/dashboard/", "/orgs/", "/users/", "/devices/", "/destinations/", "/updates/", "/client-management/",
            "/subscription/", "/reports/", "/audit/", "/risk-exposure/",
            "/forensic-search/", "/data-connections/", "/legal-hold/matters/", "/legal-hold/policies/",
            "/identity/single-sign-on/"]
EVERYTHING = set(SECTIONS)
EXPECTED = {
    "admin@acme.test": EVERYTHING,
    "orgadmin@acme.test": EVERYTHING - {"/audit/", "/updates/", "/client-management/", "/forensic-search/",
                                                 "/risk-exposure/", "/data-connections/", "/legal-hold/matters/",
                                                 "/legal-hold/policies/", "/identity/single-sign-on/"},
    "helpdesk@acme.test": {"/dashboard/", "/users/", "/devices/", "/destinations/", "/reports/"},
    "auditor@acme.test": {"/audit/"},
    "user@acme.test": {"/devices/"},
}
# Reached but not in the navigation: a Desktop User's home is My devices; the Devices list still answers
# them, with their own devices alone.
UNLISTED = {"user@acme.test": {"/devices/"}}


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_each_role_sees_and_reaches_exactly_its_sections(client, sign_in, world, username):
    sign_in(username)
    html = client.get("/account/profile").get_data(as_text=True)
    for url in SECTIONS:
        reachable = client.get(url, follow_redirects=True).status_code == 200
        linked = f'href="{url}"' in html
        assert reachable == (url in EXPECTED[username]), url
        assert linked == (url in EXPECTED[username] - UNLISTED.get(username, set())), url


def test_forbidden_section_is_a_translated_403(client, sign_in, world):
    sign_in("user@acme.test")
    client.set_cookie("locale", "fr")
    response = client.get("/users/")
    assert response.status_code == 403
    assert '<html lang="fr">' in response.get_data(as_text=True)


def test_forbidden_htmx_request_gets_a_fragment(client, sign_in, world):
    sign_in("user@acme.test")
    response = client.get("/users/", headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert "<html" not in response.get_data(as_text=True)


def test_unknown_page_is_a_404_page(client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_json_clients_get_json_errors(client, sign_in, world):
    sign_in("user@acme.test")
    response = client.get("/users/", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.get_json()["error"]["status"] == 403


def test_org_admin_lists_only_their_subtree(client, sign_in, world):
    sign_in("orgadmin@acme.test")
    orgs = client.get("/orgs/").get_data(as_text=True)
    assert "Engineering" in orgs and "Platform" in orgs and "Sales" not in orgs
    devices = client.get("/devices/").get_data(as_text=True)
    assert "USER-LAPTOP" in devices and "SELLER-LAPTOP" not in devices
    users = client.get("/users/").get_data(as_text=True)
    assert "user@acme.test" in users and "seller@acme.test" not in users
    assert "2 results" in client.get("/devices/count").get_data(as_text=True)


def test_desktop_user_lists_only_their_own_devices(client, sign_in, world):
    sign_in("seller@acme.test")
    devices = client.get("/devices/").get_data(as_text=True)
    assert "SELLER-LAPTOP" in devices and "USER-LAPTOP" not in devices


def test_server_error_is_a_translated_page(app, client, sign_in, world, monkeypatch):
    import webconsole.blueprints.account.views as views

    def broken(user_id):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(views, "devices_of", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    sign_in("user@acme.test")
    client.set_cookie("locale", "de")
    response = client.get("/account/profile")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert '<html lang="de">' in html and "database on fire" not in html


def test_every_audited_event_has_a_label():
    """Each event type the domain records has a translatable label in the Audit Log."""
    import pathlib
    import re

    from webconsole.web.labels import AUDIT_EVENTS
    source = "\n".join(p.read_text() for p in pathlib.Path("webconsole/domain").glob("*.py"))
    recorded = set(re.findall(r'record\(\s*"([a-z_.]+)"', source))
    recorded |= {f"device.{a}" for a in ("deactivate", "reactivate", "block", "unblock", "deauthorize")}
    recorded |= {f"settings.{m}" for m in ("save", "push", "lock")}
    assert recorded and recorded <= set(AUDIT_EVENTS), sorted(recorded - set(AUDIT_EVENTS))
