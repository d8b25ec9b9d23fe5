import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from webconsole.extensions import db
from webconsole.models import AuditEvent, User


def test_sign_in_lands_on_the_first_section(client, sign_in, world):
    response = sign_in("admin@acme.test")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/"


def test_user_without_sections_lands_on_their_profile(client, sign_in, world, make_user):
    make_user("nobody@acme.test", None, world["root"])
    assert sign_in("nobody@acme.test").headers["Location"] == "/account/profile"


def test_investigators_land_on_risk_exposure(client, sign_in, world, make_user):
    make_user("analyst@acme.test", "insider_risk_analyst", world["root"])
    assert sign_in("analyst@acme.test").headers["Location"] == "/risk-exposure/"


def test_audit_log_viewer_lands_on_the_audit_log(client, sign_in, world):
    assert sign_in("auditor@acme.test").headers["Location"] == "/audit/"


@pytest.mark.parametrize("target, expected", [
    ("/users/?q=ada", "/users/?q=ada"),
    ("https://evil.test/", "/dashboard/"),
    ("//evil.test/x", "/dashboard/"),
    ("/\\evil.test", "/dashboard/"),
    ("javascript:alert(1)", "/dashboard/"),
])
def test_next_redirects_only_to_local_paths(client, world, target, expected):
    response = client.post("/auth/signin", data={"username": "admin@acme.test", "password": PASSWORD,
                                                 "next": target})
    assert response.headers["Location"] == expected


def test_wrong_password_says_so_without_naming_the_cause(client, sign_in, world):
    response = sign_in("admin@acme.test", "nope")
    assert response.status_code == 401
    assert "username or password is not correct" in response.get_data(as_text=True)


def test_throttled_sign_in_is_refused_with_a_clear_message(client, sign_in, world):
    for n in range(5):
        sign_in("admin@acme.test", f"nope {n}")
    response = sign_in("admin@acme.test")
    assert response.status_code == 429
    assert "Try again in 15 minutes" in response.get_data(as_text=True)


def test_missing_fields_are_a_422_with_field_errors(client, world):
    response = client.post("/auth/signin", data={"username": "", "password": ""})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_blocked_user_is_signed_out_on_their_next_request(app, client, sign_in, world):
    sign_in("user@acme.test")
    assert client.get("/devices/").status_code == 200
    with app.app_context():
        db.session.get(User, world["user"]).blocked = True
        db.session.commit()
    response = client.get("/devices/")
    assert response.status_code == 302 and "/auth/signin" in response.headers["Location"]


def test_blocking_ends_every_session(app, client, sign_in, world):
    from webconsole.domain.users import set_user_blocked
    other = app.test_client()
    sign_in("user@acme.test")
    sign_in("user@acme.test", client=other)
    with app.app_context():
        set_user_blocked(db.session.get(User, world["admin"]), world["user"], True)
        set_user_blocked(db.session.get(User, world["admin"]), world["user"], False)
    # Unblocking does not bring the ended sessions back.
    assert client.get("/devices/").status_code == 302
    assert other.get("/devices/").status_code == 302

def test_sign_out_ends_the_session_and_is_audited(app, client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post("/auth/signout")
    assert response.headers["Location"] == "/auth/signin"
    assert client.get("/devices/").status_code == 302
    with app.app_context():
        types = db.session.scalars(select(AuditEvent.event_type).order_by(AuditEvent.id)).all()
    assert types == ["signin", "signout"]


def test_sign_out_needs_post(client, sign_in, world):
    sign_in("admin@acme.test")
    assert client.get("/auth/signout").status_code == 405
