import re

import pytest

from tests.conftest import HX, PASSWORD, base_config
from webconsole import create_app


def test_security_headers_on_every_page(client):
    response = client.get("/auth/signin")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script(client, sign_in, world):
    sign_in("admin@acme.test")
    for url in ["/devices/", "/users/", "/orgs/", "/account/profile", "/auth/signin"]:
        html = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        assert " style=" not in html, url


def test_session_cookie_is_httponly_and_lax(client, sign_in, world):
    response = sign_in("admin@acme.test")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unauthenticated_page_redirects_to_sign_in(client):
    response = client.get("/devices/?sort=name")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/signin?next=")


def test_unauthenticated_htmx_request_gets_401_with_hx_redirect(client):
    response = client.get("/devices/rows?cursor=x", headers=HX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/signin")


@pytest.fixture
def csrf_client(database_url, world):
    app = create_app({**base_config(database_url), "WTF_CSRF_ENABLED": True})
    return app.test_client()


def test_forms_without_csrf_token_are_refused(csrf_client):
    response = csrf_client.post("/auth/signin", data={"username": "admin@acme.test", "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)


def test_htmx_requests_carry_csrf_in_a_header(csrf_client):
    page = csrf_client.get("/auth/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert csrf_client.post("/auth/signin", data={"csrf_token": token, "username": "admin@acme.test",
                                                  "password": PASSWORD}).status_code == 302
    html = csrf_client.get("/devices/").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    refused = csrf_client.post("/preferences/lists/devices/widths", json={"widths": {"name": 300}})
    assert refused.status_code == 400
    accepted = csrf_client.post("/preferences/lists/devices/widths", json={"widths": {"name": 300}},
                                headers={"X-CSRFToken": header_token})
    assert accepted.status_code == 200
