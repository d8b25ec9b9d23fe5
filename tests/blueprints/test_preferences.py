from webconsole.blueprints.devices.views import DEVICE_LIST

NAME_WIDTH = next(c.width for c in DEVICE_LIST.columns if c.key == "name")  # the list's default


def test_widths_are_stored_per_user_and_shown_on_the_next_visit(app, client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post("/preferences/lists/devices/widths", json={"widths": {"name": 333, "os": 10}})
    assert response.get_json()["widths"] == {"name": 333, "os": 40}  # clamped to the minimum
    # Another browser (a new client) signed in as the same user gets the same widths.
    other = app.test_client()
    other.post("/auth/signin", data={"username": "admin@acme.test", "password": "correct horse battery staple"})
    html = other.get("/devices/").get_data(as_text=True)
    assert 'data-col="name" data-width="333"' in html
    assert 'data-col="os" data-width="40"' in html


def test_widths_belong_to_one_user(client, sign_in, world):
    sign_in("admin@acme.test")
    client.post("/preferences/lists/devices/widths", json={"widths": {"name": 333}})
    client.post("/auth/signout")
    sign_in("helpdesk@acme.test")
    assert f'data-col="name" data-width="{NAME_WIDTH}"' in client.get("/devices/").get_data(as_text=True)


def test_reset_restores_the_defaults(client, sign_in, world):
    sign_in("admin@acme.test")
    client.post("/preferences/lists/devices/widths", json={"widths": {"name": 333}})
    response = client.post("/preferences/lists/devices/widths/reset")
    assert response.get_json()["widths"]["name"] == NAME_WIDTH
    assert f'data-col="name" data-width="{NAME_WIDTH}"' in client.get("/devices/").get_data(as_text=True)


def test_bad_widths_get_a_precise_json_error(client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post("/preferences/lists/devices/widths", json={"widths": {"password": 100}})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "widths"
    assert "password" in response.get_json()["error"]["message"]
    response = client.post("/preferences/lists/devices/widths", json={"widths": {"name": "wide"}})
    assert response.status_code == 422


def test_unknown_list_is_a_404(client, sign_in, world):
    sign_in("admin@acme.test")
    assert client.post("/preferences/lists/nope/widths", json={"widths": {}}).status_code == 404
