"""A page shown again after a failed form post names its own address, one that answers GET."""
import re


def _address(response):
    found = re.search(r'<meta name="page-address" content="([^"]*)">', response.get_data(as_text=True))
    return found and found.group(1).replace("&amp;", "&")


def test_a_failed_post_to_an_address_that_takes_only_post_names_the_page(client, sign_in, world):
    sign_in("admin@acme.test")
    failed = client.post(f"/orgs/{world['sales']}/edit", data={"name": ""})
    assert failed.status_code == 422
    assert _address(failed) == f"/orgs/{world['sales']}"
    assert client.get(_address(failed)).status_code == 200


def test_the_page_the_form_was_on_is_kept_with_its_query(client, sign_in, world):
    sign_in("admin@acme.test")
    page = f"http://localhost/orgs/{world['sales']}?tab=edit"
    failed = client.post(f"/orgs/{world['sales']}/edit", data={"name": ""}, headers={"Referer": page})
    assert _address(failed) == f"/orgs/{world['sales']}?tab=edit"


def test_another_sites_or_a_malformed_referer_is_not_followed(client, sign_in, world):
    sign_in("admin@acme.test")
    for referer in ("http://evil.test/orgs/1", "http://localhost:99999/x", "http://[::1/", "//evil.test/x",
                    "http://localhost/auth/signout"):
        failed = client.post(f"/orgs/{world['sales']}/edit", data={"name": ""}, headers={"Referer": referer})
        assert failed.status_code == 422 and _address(failed) == f"/orgs/{world['sales']}"


def test_every_failed_form_post_names_an_address_that_answers_get(app, client, sign_in, world):
    sign_in("admin@acme.test")
    posts = [(f"/users/{world['user']}/profile", {"email": "not an address"}),
             (f"/users/{world['user']}/password", {"password": "short"}),
             (f"/devices/{world['user_laptop']}/rename", {"name": ""}),
             ("/users/new", {"username": ""}), ("/updates/", {"version": "seven"})]
    for url, data in posts:
        failed = client.post(url, data=data)
        assert failed.status_code in (400, 422), url
        assert client.get(_address(failed)).status_code == 200, url


def test_a_get_names_no_other_address(client, sign_in, world):
    sign_in("admin@acme.test")
    assert _address(client.get(f"/orgs/{world['sales']}")) is None
