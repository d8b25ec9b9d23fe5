def test_help_opens_the_guide_served_by_the_console(client, sign_in, world):
    sign_in("user@acme.test")
    response = client.get("/help/", follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Getting started" in html
    assert 'aria-current=page' in html


def test_help_refuses_paths_outside_the_guide(client, sign_in, world):
    sign_in("user@acme.test")
    assert client.get("/help/..%2F..%2Fpyproject").status_code == 404
    assert client.get("/help/no-such-page").status_code == 404


def test_profile_shows_my_devices_and_roles(client, sign_in, world):
    sign_in("user@acme.test")
    html = client.get("/account/profile").get_data(as_text=True)
    assert "USER-LAPTOP" in html and "User Mac" in html
    assert "SELLER-LAPTOP" not in html
    assert "Desktop User" in html and "Platform" in html
