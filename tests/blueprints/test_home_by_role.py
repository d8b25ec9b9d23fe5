"""Where each role starts, and what its toolbar offers: a Desktop User has a home of their own; the toolbar's
search is offered to the roles it can find something for."""
import re

from tests.conftest import HX


def _nav(html):
    return re.search(r'<nav[^>]*class="sidenav[^"]*"[^>]*>(.*?)</nav>', html, re.S).group(1)


def test_a_desktop_user_lands_on_their_own_devices(client, sign_in, world):
    sign_in("user@acme.test")
    home = client.get("/")
    assert home.headers["Location"] == "/my-devices"
    html = client.get("/my-devices").get_data(as_text=True)
    nav = _nav(html)
    assert "My devices" in nav and "Administration" not in nav and 'href="/devices/"' not in nav
    assert "USER-LAPTOP" in html and "User Mac" in html and "SELLER-LAPTOP" not in html
    assert f'href="/restore/devices/{world["user_laptop"]}/"' in html
    assert 'name="org"' not in html
    device = client.get(f"/devices/{world['user_laptop']}").get_data(as_text=True)
    assert re.search(r'class="breadcrumbs"[^>]*><a href="/my-devices">My devices</a>', device)


def test_administrators_keep_the_devices_section(client, sign_in, world):
    sign_in("helpdesk@acme.test")
    assert client.get("/").headers["Location"] != "/my-devices"
    nav = _nav(client.get("/devices/").get_data(as_text=True))
    assert 'href="/devices/"' in nav and "My devices" not in nav


def test_the_toolbar_search_is_offered_where_it_can_find_something(client, sign_in, world, make_user):
    make_user("analyst@acme.test", "insider_risk_analyst", world["root"])
    sign_in("auditor@acme.test")
    assert 'id="global-search"' not in client.get("/audit/").get_data(as_text=True)
    client.get("/auth/signout")
    sign_in("analyst@acme.test")
    assert 'id="global-search"' in client.get("/forensic-search/").get_data(as_text=True)
    found = client.get("/search/?q=seller", headers=HX).get_data(as_text=True)
    assert f'href="/user-activity/?user={world["seller"]}"' in found
    assert "/users/" not in found  # the analyst may not open the user's administration page


def test_an_administrator_still_opens_a_found_users_page(client, sign_in, world):
    sign_in("admin@acme.test")
    found = client.get("/search/?q=seller", headers=HX).get_data(as_text=True)
    assert f'href="/users/{world["seller"]}"' in found
