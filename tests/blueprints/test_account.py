from sqlalchemy import select

from tests.conftest import PASSWORD
from webconsole.extensions import db
from webconsole.models import AuditEvent, Device, User


def test_profile_edit_is_saved_and_audited(app, client, sign_in, world):
    sign_in("user@acme.test")
    response = client.post("/account/profile", data={"first_name": "Una", "last_name": "Schmidt",
                                                     "email": "una@corp.local"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, world["user"])
        assert (user.first_name, user.email) == ("Una", "una@corp.local")
        assert db.session.scalar(select(AuditEvent.event_type).where(AuditEvent.actor_id == user.id,
                                                                     AuditEvent.event_type == "account.update"))


def test_a_malformed_email_is_refused_next_to_the_field(client, sign_in, world):
    sign_in("user@acme.test")
    response = client.post("/account/profile", data={"email": "not an address"})
    assert response.status_code == 422 and "name@example.com" in response.get_data(as_text=True)


def test_password_change_needs_the_current_one_and_ends_other_sessions(app, client, sign_in, world):
    other = app.test_client()
    sign_in("user@acme.test", client=other)
    sign_in("user@acme.test")
    wrong = client.post("/account/password", data={"current": "nope", "password": "a new long password",
                                                   "confirm": "a new long password"})
    assert wrong.status_code == 422 and "current password is not correct" in wrong.get_data(as_text=True)
    ok = client.post("/account/password", data={"current": PASSWORD, "password": "a new long password",
                                                "confirm": "a new long password"})
    assert ok.status_code == 302
    assert client.get("/account/profile").status_code == 200  # this session goes on
    assert other.get("/account/profile").status_code == 302  # the other one ended


def test_preferred_language_follows_the_user_to_a_new_browser(app, client, sign_in, world):
    sign_in("user@acme.test")
    client.post("/account/locale", data={"locale": "sv"})
    fresh = app.test_client()
    sign_in("user@acme.test", client=fresh)
    assert '<html lang="sv">' in fresh.get("/account/profile").get_data(as_text=True)


def test_deactivated_devices_are_listed_apart(app, client, sign_in, world):
    with app.app_context():
        db.session.get(Device, world["user_mac"]).status = "deactivated"
        db.session.commit()
    sign_in("user@acme.test")
    html = client.get("/account/profile").get_data(as_text=True)
    assert html.index("Deactivated devices") < html.index("User Mac")
    assert html.index("USER-LAPTOP") < html.index("Deactivated devices")
