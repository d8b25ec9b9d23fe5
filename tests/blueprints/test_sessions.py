"""Sessions live on the server: signing out ends them, and My Profile lists and ends them."""
from sqlalchemy import select

from webconsole.extensions import db
from webconsole.models import AuditEvent, UserSession


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def signed_out(response):
    return response.status_code == 302 and "/auth/signin" in response.headers["Location"]


def test_a_copied_cookie_stops_working_after_sign_out(app, client, sign_in, world):
    sign_in("user@acme.test")
    thief = copy_of(app, client)
    assert thief.get("/devices/").status_code == 200
    client.post("/auth/signout")
    assert signed_out(thief.get("/devices/"))


def test_a_password_reset_by_an_administrator_ends_every_session(app, client, sign_in, world):
    sign_in("user@acme.test")
    sign_in("admin@acme.test", client=(admin := app.test_client()))
    admin.post(f"/users/{world['user']}/password", data={"password": "brand new password",
                                                        "confirm": "brand new password"})
    assert signed_out(client.get("/devices/"))


def test_my_profile_lists_my_sessions_with_address_and_browser(app, client, sign_in, world):
    client.post("/auth/signin", data={"username": "user@acme.test", "password": "correct horse battery staple"},
                headers={"User-Agent": "Firefox/140 on the desk"}, environ_base={"REMOTE_ADDR": "192.0.2.44"})
    other = app.test_client()
    other.post("/auth/signin", data={"username": "user@acme.test", "password": "correct horse battery staple"},
               headers={"User-Agent": "Phone browser"}, environ_base={"REMOTE_ADDR": "198.51.100.3"})
    page = client.get("/account/profile").get_data(as_text=True)
    assert "Firefox/140 on the desk" in page and "192.0.2.44" in page
    assert "Phone browser" in page and "198.51.100.3" in page
    assert "This session" in page and "Sign out everywhere" in page


def test_one_other_session_can_be_signed_out_from_my_profile(app, client, sign_in, world):
    sign_in("user@acme.test")
    sign_in("user@acme.test", client=(phone := app.test_client()))
    with app.app_context():
        ids = db.session.scalars(select(UserSession.id).order_by(UserSession.id)).all()
    response = client.post(f"/account/sessions/{ids[1]}/end")
    assert response.status_code == 302
    assert signed_out(phone.get("/devices/"))
    assert client.get("/devices/").status_code == 200
    # Someone else's session cannot be ended from my profile.
    sign_in("seller@acme.test", client=(seller := app.test_client()))
    with app.app_context():
        theirs = db.session.scalar(select(UserSession.id).where(UserSession.user_id == world["seller"]))
    assert client.post(f"/account/sessions/{theirs}/end").status_code == 404
    assert seller.get("/devices/").status_code == 200


def test_sign_out_everywhere_ends_every_session_and_is_audited(app, client, sign_in, world):
    sign_in("user@acme.test")
    sign_in("user@acme.test", client=(phone := app.test_client()))
    response = client.post("/account/sessions/end-all")
    assert signed_out(response)
    assert signed_out(phone.get("/devices/")) and signed_out(client.get("/devices/"))
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "account.signout_everywhere"))
        assert event.actor_id == world["user"] and event.details == {"sessions": 2}
