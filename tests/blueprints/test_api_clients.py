"""API clients in the browser: made with roles and an org, the secret shown once, revoked after a confirmation."""
import re

from sqlalchemy import select

from webconsole.domain import api_clients
from webconsole.extensions import db
from webconsole.models import ApiClient, AuditEvent, Role


def _roles(app, *keys):
    with app.app_context():
        return [str(db.session.scalar(select(Role.id).where(Role.key == k))) for k in keys]


def test_an_admin_makes_a_client_sees_its_secret_once_and_revokes_it(client, sign_in, world, app):
    sign_in("admin@acme.test")
    assert client.get("/identity/api-clients/new").status_code == 200
    made = client.post("/identity/api-clients/new", data={"name": "SIEM connector", "org_id": str(world["eng"]),
                                                           "role_ids": _roles(app, "help_desk")})
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    page = made.get_data(as_text=True)
    client_id = re.search(r'id="client-id">([^<]+)<', page).group(1)
    secret = re.search(r'id="client-secret">([^<]+)<', page).group(1)
    with app.app_context():
        row = db.session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
        assert secret not in (row.secret_hash, row.client_id) and len(row.secret_hash) == 64
        assert api_clients.sign_in(client_id, secret).id == row.id
        assert api_clients.sign_in(client_id, secret + "x") is None
        row_id = row.id
    detail = client.get(f"/identity/api-clients/{row_id}").get_data(as_text=True)
    assert secret not in detail and "Help Desk" in detail and "Engineering" in detail
    assert "SIEM connector" in client.get("/identity/api-clients/").get_data(as_text=True)
    assert "Its secret stops signing in" in client.get(f"/identity/api-clients/{row_id}/revoke").get_data(
        as_text=True)
    assert client.post(f"/identity/api-clients/{row_id}/revoke").status_code == 303
    with app.app_context():
        assert api_clients.sign_in(client_id, secret) is None
        kinds = set(db.session.scalars(select(AuditEvent.event_type).where(AuditEvent.object_id == client_id)))
        assert kinds == {"api_client.create", "api_client.revoke"}


def test_refused_values_and_roles_beyond_the_admin(client, sign_in, world, app):
    sign_in("admin@acme.test")
    for data in ({"name": "x", "org_id": str(world["root"]), "role_ids": _roles(app, "help_desk")},
                 {"name": "Fine name", "org_id": "99999999", "role_ids": _roles(app, "help_desk")},
                 {"name": "Fine name", "org_id": str(world["root"]), "role_ids": []},
                 {"name": "Fine name", "org_id": str(world["root"]), "role_ids": ["²", "1" * 25]}):
        assert client.post("/identity/api-clients/new", data=data).status_code == 422, data


def test_only_those_who_manage_api_clients_reach_them(client, sign_in, world):
    for username in ("orgadmin@acme.test", "helpdesk@acme.test", "auditor@acme.test", "user@acme.test"):
        sign_in(username)
        assert client.get("/identity/api-clients/").status_code == 403
        assert "/identity/" not in client.get("/account/profile").get_data(as_text=True)
        client.post("/auth/signout")


def test_api_clients_of_different_scopes_never_share_where_a_page_ended(client, world, app):
    """Numbered pages start where this caller's previous page ended: never where another client's did."""
    from webconsole.blueprints.code42_api import door
    from webconsole.models import User

    with app.app_context():
        admin = db.session.get(User, world["admin"])
        tokens = {}
        for key in ("root", "eng"):
            made, _secret = api_clients.create_client(admin, name=f"Scope {key}", org_id=str(world[key]),
                                                      role_ids=_roles(app, "org_admin"))
            tokens[key] = api_clients.issue_token(made)

    def usernames(key, page):
        answer = client.get(f"/api/v1/User?pgNum={page}&pgSize=1", headers={"Authorization": f"Bearer {tokens[key]}"})
        assert answer.status_code == 200
        return [u["username"] for u in answer.get_json()["data"]["users"]]

    door._cursors.items.clear()
    alone = usernames("eng", 2)  # no page before it in this process: walked from the start in its own scope
    door._cursors.items.clear()
    usernames("root", 1)
    assert usernames("eng", 2) == alone


def test_legal_hold_calls_refuse_nul_in_a_uid_as_a_precise_400(client, world, app):
    """NUL cannot even be compared on PostgreSQL: it is refused at the door, on both databases."""
    from webconsole.domain import sessions
    from webconsole.models import User

    with app.app_context():
        token = sessions.start_session(db.session.get(User, world["admin"]), "127.0.0.1", "test")
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    for path, payload in (("/api/v1/LegalHoldMembership", {"legalHoldUid": "\x00", "userUid": "0"}),
                          ("/api/v1/LegalHoldMembershipDeactivation", {"legalHoldMembershipUid": "a\x00"}),
                          ("/api/v27/legal-hold-matter/deactivate", {"legalHoldUid": "\x00"})):
        answer = client.post(path, json=payload, headers=headers)
        assert answer.status_code == 400, (path, answer.status_code)
        assert answer.get_json()["error"]["code"] == "validation.required"
