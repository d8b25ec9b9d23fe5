"""Devices' locations on My Profile, a user's page and a device's page: the address, then the place or why not."""
import pytest

from webconsole.extensions import db
from webconsole.models import Device

TEST_DATABASE = "tests/data/geoip/GeoLite2-City-Test.mmdb"
LONDON = "London, England, United Kingdom"
NOT_CONFIGURED = "Cities appear when a GeoIP database is configured."
UNREADABLE = "The GeoIP database cannot be read, so cities are not shown."


@pytest.fixture
def addresses(app, world):
    """The user's laptop last connected from London, their Mac from a private network; the seller's not yet."""
    with app.app_context():
        db.session.get(Device, world["user_laptop"]).remote_address = "81.2.69.142"
        db.session.get(Device, world["user_mac"]).remote_address = "10.0.0.5"
        db.session.commit()
    return world


@pytest.fixture
def configured(app):
    app.config["GEOIP_DATABASE"] = TEST_DATABASE


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_my_profile_shows_each_devices_city(client, sign_in, addresses, configured):
    sign_in("user@acme.test")
    html = page(client, "/account/profile")
    assert "81.2.69.142" in html and LONDON in html
    assert "10.0.0.5" in html and "Place unknown" in html
    assert NOT_CONFIGURED not in html and "WEBCONSOLE_GEOIP_DATABASE" not in html


def test_my_profile_without_a_database_shows_addresses_and_says_once_why_no_city(client, sign_in, addresses):
    sign_in("user@acme.test")
    html = page(client, "/account/profile")
    assert "81.2.69.142" in html and "10.0.0.5" in html
    assert LONDON not in html and "Place unknown" not in html
    assert html.count(NOT_CONFIGURED) == 1
    # Only those who run the server learn the setting's name.
    assert "WEBCONSOLE_GEOIP_DATABASE" not in html


def test_a_device_that_has_not_connected_says_so_and_needs_no_note(client, sign_in, world):
    sign_in("seller@acme.test")
    html = page(client, "/account/profile")
    assert "SELLER-LAPTOP" in html and "No address yet" in html
    assert NOT_CONFIGURED not in html


def test_my_profile_names_places_in_german(client, sign_in, addresses, configured):
    client.set_cookie("locale", "de")
    sign_in("user@acme.test")
    html = page(client, "/account/profile")
    assert "London, England, Vereinigtes Königreich" in html


def test_a_users_page_shows_their_devices_cities(client, sign_in, addresses, configured):
    sign_in("admin@acme.test")
    html = page(client, f"/users/{addresses['user']}")
    assert LONDON in html and "Place unknown" in html


def test_a_users_page_without_a_database_tells_the_administrator_the_setting(client, sign_in, addresses):
    sign_in("admin@acme.test")
    html = page(client, f"/users/{addresses['user']}")
    assert LONDON not in html and html.count(NOT_CONFIGURED) == 1
    assert "<code>WEBCONSOLE_GEOIP_DATABASE</code>" in html


def test_the_device_page_shows_the_city(client, sign_in, addresses, configured):
    sign_in("helpdesk@acme.test")
    html = page(client, f"/devices/{addresses['user_laptop']}")
    assert "81.2.69.142" in html and LONDON in html and NOT_CONFIGURED not in html


@pytest.mark.parametrize("username, shows_setting", [("admin@acme.test", True), ("helpdesk@acme.test", False)])
def test_the_device_page_without_a_database_says_so_beside_the_field(client, sign_in, addresses, username,
                                                                     shows_setting):
    sign_in(username)
    html = page(client, f"/devices/{addresses['user_laptop']}")
    assert "81.2.69.142" in html and LONDON not in html and NOT_CONFIGURED in html
    assert ("WEBCONSOLE_GEOIP_DATABASE" in html) is shows_setting


def test_a_database_that_cannot_be_read_is_said_not_a_500(app, sign_in, addresses, tmp_path):
    app.config["GEOIP_DATABASE"] = str(tmp_path / "GeoLite2-City.mmdb")
    for username, url in pages_of(addresses):
        client = app.test_client()
        sign_in(username, client=client)
        html = page(client, url)
        assert "81.2.69.142" in html and LONDON not in html and UNREADABLE in html


def pages_of(world):
    """Each page that shows the user's laptop's location, with who opens it."""
    return [("user@acme.test", "/account/profile"), ("admin@acme.test", f"/users/{world['user']}"),
            ("admin@acme.test", f"/devices/{world['user_laptop']}")]


@pytest.mark.parametrize("address", [
    "<script>alert(1)</script>", "999.1.1.1", "1234567890123456789012345", "::1", "\u202e81.2.69.142",
])
def test_hostile_addresses_from_agents_are_shown_escaped(app, sign_in, world, configured, address):
    with app.app_context():
        db.session.get(Device, world["user_laptop"]).remote_address = address
        db.session.commit()
    for username, url in pages_of(world):
        client = app.test_client()
        sign_in(username, client=client)
        html = page(client, url)
        assert "<script>alert(1)" not in html and "Place unknown" in html
        if address.startswith("<"):
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        if address.startswith("\u202e"):
            # The direction override is shown as a mark, so the address cannot read backwards.
            assert "U+202E" in html and "\u202e" not in html
