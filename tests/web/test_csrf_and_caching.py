"""CSRF tokens change at sign-in and expire; signed-in answers are never cached."""
import re
import time

import itsdangerous.timed

from tests.conftest import HX, PASSWORD
from webconsole.web.csrf import mask, unmask

CREDENTIALS = {"username": "user@acme.test", "password": PASSWORD}
PROFILE = {"first_name": "Una", "last_name": "User", "email": "user@acme.test"}


def token_in(response):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_a_token_from_before_sign_in_is_refused_after_it(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    before = token_in(client.get("/auth/signin"))
    assert client.post("/auth/signin", data={**CREDENTIALS, "csrf_token": before}).status_code == 302
    refused = client.post("/account/profile", data={**PROFILE, "csrf_token": before})
    assert refused.status_code == 400 and "security token" in refused.get_data(as_text=True)
    fresh = token_in(client.get("/account/profile"))
    assert fresh != before
    assert client.post("/account/profile", data={**PROFILE, "csrf_token": fresh}).status_code == 302


def test_a_token_from_before_sign_out_is_refused_after_it(app, client, sign_in, world):
    sign_in("user@acme.test")
    app.config["WTF_CSRF_ENABLED"] = True
    signed_in_token = token_in(client.get("/account/profile"))
    client.post("/auth/signout", data={"csrf_token": signed_in_token})
    response = client.post("/auth/signin", data={**CREDENTIALS, "csrf_token": signed_in_token})
    assert response.status_code == 400


def test_a_token_expires(app, client, sign_in, world, monkeypatch):
    sign_in("user@acme.test")
    app.config["WTF_CSRF_ENABLED"] = True
    token = token_in(client.get("/account/profile"))
    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    assert limit and limit <= 24 * 3600

    class Later:
        @staticmethod
        def time():
            return time.time() + limit + 60

    monkeypatch.setattr(itsdangerous.timed, "time", Later)
    assert client.post("/account/profile", data={**PROFILE, "csrf_token": token}).status_code == 400


def test_signed_in_pages_fragments_and_exports_are_not_stored(client, sign_in, world):
    assert "no-store" not in client.get("/auth/signin").headers.get("Cache-Control", "")
    sign_in("admin@acme.test")
    for url, headers in [("/devices/", {}), ("/devices/?sort=name", HX), ("/devices/export.csv", {}),
                         ("/account/profile", {})]:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert "no-store" in response.headers.get("Cache-Control", ""), url


def test_every_page_masks_the_token_afresh_and_each_mask_is_accepted(app, client, sign_in, world):
    """Compressed pages must not carry the same secret twice (BREACH): each page has its own mask."""
    sign_in("user@acme.test")
    app.config["WTF_CSRF_ENABLED"] = True
    pages = [client.get("/account/profile") for _ in range(3)]
    tokens = [token_in(page) for page in pages]
    headers = [re.search(r'"X-CSRFToken": "([^"]+)"', page.get_data(as_text=True)).group(1) for page in pages]
    assert len(set(tokens + headers)) == 6
    # One session token underneath (Flask-WTF signs it with the second it was issued: compare the value).
    assert len({unmask(token).split(".")[0] for token in tokens + headers}) == 1
    for token in tokens[:2]:
        assert client.post("/account/profile", data={**PROFILE, "csrf_token": token}).status_code == 302
    assert client.post("/account/profile", data=PROFILE, headers={"X-CSRFToken": headers[2]}).status_code == 302


def test_a_tampered_or_hostile_token_is_refused_plainly(app, client, sign_in, world):
    sign_in("user@acme.test")
    app.config["WTF_CSRF_ENABLED"] = True
    token = token_in(client.get("/account/profile"))
    flipped = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    for value in (flipped, token[:-1], "²" * 40, "\x00", "a.b.c", "=" * 8, "-_" * 300):
        response = client.post("/account/profile", data={**PROFILE, "csrf_token": value})
        assert response.status_code == 400 and "security token" in response.get_data(as_text=True), value


def test_masking_round_trips_and_leaves_other_values_alone():
    raw = "IjFiMmMzZDRlNWY2Ig.Z1x2Yw.abc_DEF-123"
    assert mask(raw) != mask(raw) and unmask(mask(raw)) == raw
    for value in (raw, "", None, "x", "²²", "AAAA", "@@@@"):
        assert unmask(value) == value
