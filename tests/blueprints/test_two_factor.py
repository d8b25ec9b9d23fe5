"""Two-factor sign-in through the browser's doors: My Profile, the sign-in's second step, the enrolment
gate, administrators' reset and org setting, and the API's token call."""
import base64
import re
import time

import pyotp
import pytest
from sqlalchemy import select

from tests.conftest import HX, PASSWORD
from webconsole.domain import two_factor
from webconsole.extensions import db
from webconsole.models import AuditEvent, Org, User


def code_at(secret, offset_steps=0):
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def enrol_through_profile(client):
    """Set up two-factor sign-in from My Profile as the signed-in user; returns (secret, recovery codes)."""
    assert client.post("/account/two-factor/start").status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    done = client.post("/account/two-factor/confirm", data={"confirm-code": code_at(secret, -1)})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>", done.get_data(as_text=True))
    return secret, codes


def audit_types(app):
    with app.app_context():
        return [e.event_type for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


@pytest.fixture
def enrolled(client, sign_in, world):
    """The admin with two-factor sign-in on, signed out again; their secret."""
    sign_in("admin@acme.test")
    secret, codes = enrol_through_profile(client)
    assert len(codes) == 10
    client.post("/auth/signout")
    return secret


def test_my_profile_sets_up_two_factor_and_shows_the_recovery_codes_once(app, client, sign_in, world):
    sign_in("user@acme.test")
    profile = client.get("/account/profile").get_data(as_text=True)
    assert "Two-factor sign-in" in profile and "Set up two-factor sign-in" in profile
    secret, codes = enrol_through_profile(client)
    assert len(codes) == 10
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert codes[0] not in page and secret not in page.replace(" ", "") and "Recovery codes left" in page
    wrong = client.post("/account/two-factor/recovery-codes", data={"codes-code": "123"})
    assert wrong.status_code == 422 and "The code is not correct" in wrong.get_data(as_text=True)
    new = client.post("/account/two-factor/recovery-codes", data={"codes-code": code_at(secret)})
    assert new.status_code == 200 and codes[0] not in new.get_data(as_text=True)
    assert client.post("/account/two-factor/off", data={"secret": "wrong"}).status_code == 422
    assert client.post("/account/two-factor/off", data={"secret": PASSWORD}).status_code == 302
    assert "Set up two-factor sign-in" in client.get("/account/two-factor").get_data(as_text=True)
    assert {"account.2fa_enrol", "account.2fa_recovery_codes", "account.2fa_disable"} <= set(audit_types(app))


def test_a_wrong_first_code_leaves_two_factor_off(client, sign_in, world):
    sign_in("user@acme.test")
    client.post("/account/two-factor/start")
    refused = client.post("/account/two-factor/confirm", data={"confirm-code": "abcdef"})
    assert refused.status_code == 422 and "<svg" in refused.get_data(as_text=True)
    assert client.post("/account/two-factor/cancel").status_code == 302
    assert "Set up two-factor sign-in" in client.get("/account/two-factor").get_data(as_text=True)


def test_sign_in_asks_for_the_code_after_the_password(app, client, world, enrolled):
    first = client.post("/auth/signin", data={"username": "admin@acme.test", "password": PASSWORD,
                                              "next": "/users/"})
    assert first.headers["Location"] == "/auth/signin/code"
    assert client.get("/users/").status_code == 302  # not signed in yet
    wrong = client.post("/auth/signin/code", data={"code": "12"})
    assert wrong.status_code == 401 and "The code is not correct" in wrong.get_data(as_text=True)
    done = client.post("/auth/signin/code", data={"code": code_at(enrolled)})
    assert done.headers["Location"] == "/users/"
    assert client.get("/users/").status_code == 200
    assert audit_types(app)[-2:] == ["signin.2fa_failed", "signin"]


def test_a_recovery_code_signs_in_once(client, sign_in, world):
    sign_in("user@acme.test")
    _secret, codes = enrol_through_profile(client)
    client.post("/auth/signout")
    for expected in (302, 401):
        client.post("/auth/signin", data={"username": "user@acme.test", "password": PASSWORD})
        response = client.post("/auth/signin/code", data={"code": codes[3]})
        assert response.status_code == expected
        client.post("/auth/signout")


def test_the_code_step_is_bounded_in_time_and_tries(client, world, enrolled):
    assert client.get("/auth/signin/code").headers["Location"] == "/auth/signin"
    client.post("/auth/signin", data={"username": "admin@acme.test", "password": PASSWORD})
    with client.session_transaction() as session:
        session["signin_pending"] = {**session["signin_pending"], "until": int(time.time()) - 1}
    assert client.post("/auth/signin/code", data={"code": code_at(enrolled)}).headers["Location"] == "/auth/signin"
    client.post("/auth/signin", data={"username": "admin@acme.test", "password": PASSWORD})
    for _ in range(4):
        assert client.post("/auth/signin/code", data={"code": "000000x"}).status_code == 401
    assert client.post("/auth/signin/code", data={"code": "000000x"}).headers["Location"] == "/auth/signin"
    assert client.get("/auth/signin/code").headers["Location"] == "/auth/signin"


def test_a_forged_pending_sign_in_is_refused(client, world, enrolled):
    with client.session_transaction() as session:
        session["signin_pending"] = {"user": "1", "until": "later"}
    assert client.post("/auth/signin/code", data={"code": "123456"}).status_code == 302


def test_an_org_that_requires_it_sends_its_users_to_enrol_first(app, client, sign_in, world):
    with app.app_context():
        two_factor.set_required(db.session.get(User, world["admin"]), world["eng"], True)
    assert sign_in("user@acme.test").headers["Location"] == "/account/two-factor"
    assert client.get("/devices/").headers["Location"] == "/account/two-factor"
    assert client.get("/account/profile").headers["Location"] == "/account/two-factor"
    fragment = client.get("/devices/?sort=name", headers=HX)
    assert fragment.status_code == 403 and fragment.headers["HX-Redirect"] == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Required by your organization (Engineering)" in page
    secret, _codes = enrol_through_profile(client)
    assert client.get("/account/profile").status_code == 200
    assert "Turn off two-factor sign-in" not in client.get("/account/two-factor").get_data(as_text=True)
    assert client.post("/account/two-factor/off", data={"secret": PASSWORD}).status_code == 422


def test_an_administrator_sees_and_resets_a_users_two_factor(app, client, sign_in, world):
    sign_in("user@acme.test")
    enrol_through_profile(client)
    client.post("/auth/signout")
    sign_in("helpdesk@acme.test")  # may view users, not change them
    page = client.get(f"/users/{world['user']}").get_data(as_text=True)
    assert re.search(r'id="two-factor-status">On', page) and "/two-factor/reset" not in page
    assert client.post(f"/users/{world['user']}/two-factor/reset").status_code == 403
    client.post("/auth/signout")
    sign_in("orgadmin@acme.test")
    assert client.get(f"/users/{world['seller']}/two-factor/reset").status_code == 404  # outside Engineering
    assert "Reset two-factor sign-in" in client.get(f"/users/{world['user']}/two-factor/reset").get_data(as_text=True)
    assert client.post(f"/users/{world['user']}/two-factor/reset").status_code == 302
    assert re.search(r'id="two-factor-status">Off', client.get(f"/users/{world['user']}").get_data(as_text=True))
    assert "user.2fa_reset" in audit_types(app)


def test_the_org_edit_page_requires_two_factor_for_the_subtree(app, client, sign_in, world):
    sign_in("admin@acme.test")
    data = {"name": "Engineering", "ext_ref": "", "notes": "", "require_two_factor": "y"}
    assert client.post(f"/orgs/{world['eng']}/edit", data=data).status_code == 302
    assert ">Required<" in client.get(f"/orgs/{world['eng']}").get_data(as_text=True)
    assert "Required by Engineering" in client.get(f"/orgs/{world['platform']}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Org, world["eng"]).require_two_factor
        entry = db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == "org.update")).all()[-1]
        assert entry.details["changes"]["require_two_factor"] == [False, True]
    client.post("/auth/signout")
    sign_in("helpdesk@acme.test")
    assert client.post(f"/orgs/{world['eng']}/edit", data=data).status_code == 403


def test_the_forms_need_the_csrf_token(app, client, sign_in, world):
    sign_in("user@acme.test")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert client.post("/account/two-factor/start").status_code == 400
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/account/two-factor/start", data={"csrf_token": token}).status_code == 302


def basic(username, password=PASSWORD):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def test_the_api_token_call_takes_the_code_in_the_totp_auth_header(client, world, enrolled):
    missing = client.get("/api/v3/auth/jwt?useBody=True", headers=basic("admin@acme.test"))
    assert missing.status_code == 401 and missing.json["error"]["code"] == "auth.two_factor_required"
    wrong = client.get("/api/v3/auth/jwt?useBody=True", headers={**basic("admin@acme.test"), "totp-auth": "000000x"})
    assert wrong.status_code == 401 and wrong.json["error"]["code"] == "auth.two_factor_refused"
    right = client.get("/api/v3/auth/jwt?useBody=True", headers={**basic("admin@acme.test"),
                                                                 "totp-auth": code_at(enrolled)})
    assert right.status_code == 200 and right.json["data"]["v3_user_token"]
    for username, expected in [("admin@acme.test", "LOCAL_2FA"), ("nobody@acme.test", "LOCAL_2FA"),
                               ("user@acme.test", "LOCAL")]:
        answer = client.get("/api/v3/LoginConfiguration", query_string={"username": username})
        assert answer.json["data"]["loginType"] == expected
