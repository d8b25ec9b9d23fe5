from sqlalchemy import select

from tests.conftest import PASSWORD
from webconsole.domain.permissions import role_by_key
from webconsole.extensions import db
from webconsole.models import AuditEvent, Device, User


def audit(app, event_type):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == event_type)).all()


def role_id(app, key):
    with app.app_context():
        return role_by_key(key).id


def test_admin_creates_a_user_in_a_chosen_org_with_roles(app, client, sign_in, world):
    sign_in("admin@acme.test")
    assert "Organization" in client.get("/users/new").get_data(as_text=True)
    response = client.post("/users/new", data={
        "org_id": world["sales"], "username": "New.Person@Acme.test", "first_name": "New",
        "last_name": "Person", "password": "a long enough password", "role_ids": [role_id(app, "help_desk")]})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "new.person@acme.test"))
        assert user.org_id == world["sales"] and [r.key for r in user.roles] == ["help_desk"]
    [event] = audit(app, "user.create")
    assert event.actor_username == "admin@acme.test" and event.details["org"] == "Sales"


def test_create_refuses_a_taken_username_next_to_the_field(client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post("/users/new", data={"org_id": world["sales"], "username": "user@acme.test",
                                               "password": "a long enough password"})
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_org_admin_cannot_create_outside_their_subtree_or_grant_broader_roles(app, client, sign_in, world):
    sign_in("orgadmin@acme.test")
    page = client.get("/users/new").get_data(as_text=True)
    assert "Sales" not in page and "Help Desk" not in page and "Desktop User" in page
    response = client.post("/users/new", data={"org_id": world["sales"], "username": "x@acme.test",
                                               "password": "a long enough password"})
    assert response.status_code == 422
    response = client.post("/users/new", data={"org_id": world["eng"], "username": "x@acme.test",
                                               "password": "a long enough password",
                                               "role_ids": [role_id(app, "cloud_admin")]})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "x@acme.test")) is None


def test_profile_roles_and_move_are_audited_with_old_and_new_values(app, client, sign_in, world):
    sign_in("admin@acme.test")
    uid = world["user"]
    client.post(f"/users/{uid}/profile", data={"first_name": "Una", "last_name": "User", "email": "una@acme.test"})
    client.post(f"/users/{uid}/roles", data={"role_ids": [role_id(app, "desktop_user"), role_id(app, "help_desk")]})
    client.post(f"/users/{uid}/move", data={"org_id": world["sales"]})
    [update] = audit(app, "user.update")
    assert update.details["changes"] == {"first_name": ["", "Una"], "last_name": ["", "User"],
                                         "email": ["user@acme.test", "una@acme.test"]}
    [roles] = audit(app, "user.roles")
    assert roles.details["changes"]["roles"] == [["Desktop User"], ["Desktop User", "Help Desk"]]
    [move] = audit(app, "user.move")
    assert move.details["changes"]["org"] == ["Platform", "Sales"]
    with app.app_context():
        devices = db.session.scalars(select(Device).where(Device.user_id == uid)).all()
        assert {d.org_id for d in devices} == {world["sales"]}


def test_block_signs_the_user_out_everywhere_at_once(app, client, sign_in, world):
    victim = app.test_client()
    sign_in("user@acme.test", client=victim)
    assert victim.get("/devices/").status_code == 200
    sign_in("admin@acme.test")
    assert "signed out of every session" in client.get(f"/users/{world['user']}/block").get_data(as_text=True)
    client.post(f"/users/{world['user']}/block")
    assert victim.get("/devices/").status_code == 302
    assert sign_in("user@acme.test", client=victim).status_code == 401
    client.post(f"/users/{world['user']}/unblock")
    assert sign_in("user@acme.test", client=victim).status_code == 302
    types = [e.event_type for e in audit(app, "user.block") + audit(app, "user.unblock")]
    assert types == ["user.block", "user.unblock"]


def test_deactivate_states_its_effect_then_stops_devices(app, client, sign_in, world):
    sign_in("admin@acme.test")
    page = client.get(f"/users/{world['user']}/deactivate").get_data(as_text=True)
    assert "2 active devices stop backing up" in page
    client.post(f"/users/{world['user']}/deactivate")
    with app.app_context():
        user = db.session.get(User, world["user"])
        assert user.status == "deactivated"
        devices = db.session.scalars(select(Device).where(Device.user_id == user.id))
        assert {d.status for d in devices} == {"deactivated"}
    client.post(f"/users/{world['user']}/reactivate")
    with app.app_context():
        devices = db.session.scalars(select(Device).where(Device.user_id == world["user"]))
        assert {d.status for d in devices} == {"active"}


def test_reset_password_ends_sessions_and_needs_a_long_password(app, client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post(f"/users/{world['user']}/password", data={"password": "short", "confirm": "short"})
    assert response.status_code == 422 and "at least 10 characters" in response.get_data(as_text=True)
    response = client.post(f"/users/{world['user']}/password",
                           data={"password": "brand new password", "confirm": "brand new password"})
    assert response.status_code == 302
    assert sign_in("user@acme.test", client=app.test_client()).status_code == 401
    assert sign_in("user@acme.test", "brand new password", client=app.test_client()).status_code == 302


def test_org_admin_cannot_touch_a_more_powerful_user_in_their_subtree(app, client, sign_in, world, make_user):
    boss = make_user("boss@acme.test", "cloud_admin", world["platform"])
    sign_in("orgadmin@acme.test")
    page = client.get(f"/users/{boss}").get_data(as_text=True)
    assert "Reset password" not in page
    response = client.post(f"/users/{boss}/password", data={"password": "taken over now", "confirm": "taken over now"})
    assert response.status_code == 403
    assert sign_in("boss@acme.test", PASSWORD, client=app.test_client()).status_code == 302


def test_admins_cannot_block_or_deactivate_themselves(app, client, sign_in, world):
    sign_in("admin@acme.test")
    client.post(f"/users/{world['admin']}/block")
    with app.app_context():
        assert db.session.get(User, world["admin"]).blocked is False


def test_users_out_of_scope_are_404(client, sign_in, world):
    sign_in("orgadmin@acme.test")
    assert client.get(f"/users/{world['seller']}").status_code == 404
    sign_in("user@acme.test")
    assert client.get(f"/users/{world['seller']}").status_code == 403


def test_list_filters_by_org_subtree_and_role_and_exports_csv(client, sign_in, world):
    sign_in("admin@acme.test")
    html = client.get(f"/users/?org={world['eng']}&role=desktop_user").get_data(as_text=True)
    assert "user@acme.test" in html and "seller@acme.test" not in html and "orgadmin@acme.test" not in html
    csv_text = client.get(f"/users/export.csv?org={world['eng']}").get_data(as_text=True)
    assert "user@acme.test" in csv_text and "orgadmin@acme.test" in csv_text and "seller@acme.test" not in csv_text


def test_org_admin_cannot_take_over_a_help_desk_user_in_their_subtree(app, client, sign_in, world, make_user):
    # Help Desk holds no permission an Org Admin lacks, but reads the whole tenant: beyond an Org Admin's reach.
    helper = make_user("helper@acme.test", "help_desk", world["platform"])
    sign_in("orgadmin@acme.test")
    page = client.get(f"/users/{helper}").get_data(as_text=True)
    assert "Reset password" not in page and "their roles (Help Desk) reach beyond what you manage" in page
    attempts = [("password", {"password": "taken over now", "confirm": "taken over now"}),
                ("roles", {"role_ids": [role_id(app, "desktop_user")]}),
                ("profile", {"first_name": "X", "last_name": "Y", "email": "x@evil.test"}),
                ("move", {"org_id": world["eng"]}), ("block", {}), ("deactivate", {})]
    for action, data in attempts:
        response = client.post(f"/users/{helper}/{action}", data=data)
        assert response.status_code == 403, action
        assert "reach beyond" in response.get_data(as_text=True), action
    assert sign_in("helper@acme.test", client=app.test_client()).status_code == 302
    with app.app_context():
        user = db.session.get(User, helper)
        assert (user.org_id, user.status, user.blocked, user.email) == (world["platform"], "active", False,
                                                                         "helper@acme.test")
        assert [r.key for r in user.roles] == ["help_desk"]


def test_org_admin_still_manages_users_whose_roles_stay_inside_the_subtree(app, client, sign_in, world, make_user):
    deputy = make_user("deputy@acme.test", "org_admin", world["platform"])
    sign_in("orgadmin@acme.test")
    response = client.post(f"/users/{deputy}/password",
                           data={"password": "a new password", "confirm": "a new password"})
    assert response.status_code == 302
