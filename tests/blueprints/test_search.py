from tests.conftest import HX
from webconsole.extensions import db
from webconsole.models import Device


def test_results_as_you_type_cover_every_kind(client, sign_in, world):
    sign_in("admin@acme.test")
    html = client.get("/search/?q=user", headers=HX).get_data(as_text=True)
    assert "USER-LAPTOP" in html and "user@acme.test" in html
    html = client.get("/search/?q=sal", headers=HX).get_data(as_text=True)
    assert "Sales" in html


def test_a_pasted_guid_jumps_to_the_device(app, client, sign_in, world):
    with app.app_context():
        guid = db.session.get(Device, world["seller_laptop"]).guid
    sign_in("admin@acme.test")
    response = client.get(f"/search/?q=+{guid}+")
    assert response.status_code == 302 and response.headers["Location"] == f"/devices/{world['seller_laptop']}"


def test_search_respects_scope(app, client, sign_in, world):
    with app.app_context():
        guid = db.session.get(Device, world["seller_laptop"]).guid
    sign_in("orgadmin@acme.test")
    html = client.get("/search/?q=laptop", headers=HX).get_data(as_text=True)
    assert "USER-LAPTOP" in html and "SELLER-LAPTOP" not in html and "Sales" not in html
    assert client.get(f"/search/?q={guid}").status_code == 200  # no jump to what is out of scope
    sign_in("user@acme.test")
    html = client.get("/search/?q=acme", headers=HX).get_data(as_text=True)
    assert "seller@acme.test" not in html and "Engineering" not in html


def test_hostile_names_are_escaped_and_wildcards_are_literal(app, client, sign_in, world, make_device):
    make_device(world["seller"], '<img src=x onerror=alert(1)> 100%_off')
    sign_in("admin@acme.test")
    html = client.get("/search/?q=100%25_", headers=HX).get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert "Nothing found" in client.get("/search/?q=%25%25", headers=HX).get_data(as_text=True)


def test_destinations_page_lists_capacity_and_use(client, sign_in, world):
    sign_in("admin@acme.test")
    assert client.get("/destinations/").status_code == 200
    sign_in("user@acme.test")
    assert client.get("/destinations/").status_code == 403
