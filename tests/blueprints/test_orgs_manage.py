from sqlalchemy import select

from webconsole.extensions import db
from webconsole.models import AuditEvent, Device, Org, User


def events(app, prefix):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.event_type.like(prefix + "%"))
                                  .order_by(AuditEvent.id)).all()


def test_create_a_child_org_under_a_chosen_parent(app, client, sign_in, world):
    sign_in("admin@acme.test")
    assert "Engineering" in client.get(f"/orgs/new?parent={world['eng']}").get_data(as_text=True)
    response = client.post("/orgs/new", data={"parent_id": world["eng"], "name": "  QA   Team ", "ext_ref": "QA-1"})
    assert response.status_code == 302
    with app.app_context():
        org = db.session.scalar(select(Org).where(Org.name == "QA Team"))
        assert org.parent_id == world["eng"] and org.path.startswith(db.session.get(Org, world["eng"]).path)
        assert len(org.registration_key) == 19
    assert [e.details["parent"] for e in events(app, "org.create")] == ["Engineering"]


def test_name_length_is_checked_next_to_the_field(client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post("/orgs/new", data={"parent_id": world["eng"], "name": "QA"})
    assert response.status_code == 422 and "3 to 220 characters" in response.get_data(as_text=True)


def test_edit_is_audited_with_old_and_new_values(app, client, sign_in, world):
    sign_in("admin@acme.test")
    client.post(f"/orgs/{world['sales']}/edit", data={"name": "Sales & Marketing", "ext_ref": "", "notes": "<b>hi</b>"})
    [event] = events(app, "org.update")
    assert event.details["changes"]["name"] == ["Sales", "Sales & Marketing"]
    html = client.get(f"/orgs/{world['sales']}").get_data(as_text=True)
    assert "&lt;b&gt;hi&lt;/b&gt;" in html


def test_move_carries_the_subtree_and_never_goes_under_itself(app, client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post(f"/orgs/{world['eng']}/move", data={"parent_id": world["platform"]})
    assert response.status_code == 422
    client.post(f"/orgs/{world['eng']}/move", data={"parent_id": world["sales"]})
    with app.app_context():
        platform = db.session.get(Org, world["platform"])
        sales = db.session.get(Org, world["sales"])
        assert platform.path == f"{sales.path}{world['eng']}/{world['platform']}/"
    # The org admin of Engineering now manages devices below Sales' Engineering, not the sellers'.
    sign_in("orgadmin@acme.test")
    html = client.get("/devices/").get_data(as_text=True)
    assert "USER-LAPTOP" in html and "SELLER-LAPTOP" not in html
    assert [e.details["changes"]["parent"] for e in events(app, "org.move")] == [["Acme", "Sales"]]


def test_deactivate_states_its_reach_then_carries_users_and_devices(app, client, sign_in, world):
    sign_in("admin@acme.test")
    page = client.get(f"/orgs/{world['eng']}/deactivate").get_data(as_text=True)
    assert "1 organizations below it, 2 active users" in page and "2 active devices" in page
    client.post(f"/orgs/{world['eng']}/deactivate")
    with app.app_context():
        assert db.session.get(Org, world["platform"]).status == "deactivated"
        assert db.session.get(User, world["user"]).status == "deactivated"
        assert db.session.get(Device, world["user_laptop"]).status == "deactivated"
        assert db.session.get(Device, world["seller_laptop"]).status == "active"
    client.post(f"/orgs/{world['eng']}/reactivate")
    with app.app_context():
        assert db.session.get(Device, world["user_laptop"]).status == "active"
    assert [e.event_type for e in events(app, "org.")] == ["org.deactivate", "org.reactivate"]


def test_org_admin_cannot_deactivate_their_own_org_or_reach_a_sibling(app, client, sign_in, world):
    sign_in("orgadmin@acme.test")
    client.post(f"/orgs/{world['eng']}/deactivate")
    with app.app_context():
        assert db.session.get(Org, world["eng"]).status == "active"
    assert client.get(f"/orgs/{world['sales']}").status_code == 404
    assert client.post(f"/orgs/{world['platform']}/move", data={"parent_id": world["sales"]}).status_code == 422


def test_registration_key_is_regenerated_on_request(app, client, sign_in, world):
    with app.app_context():
        old = db.session.get(Org, world["sales"]).registration_key
    sign_in("admin@acme.test")
    client.post(f"/orgs/{world['sales']}/registration-key")
    with app.app_context():
        assert db.session.get(Org, world["sales"]).registration_key != old
    assert len(events(app, "org.registration_key")) == 1


def test_help_desk_reads_no_orgs(client, sign_in, world):
    sign_in("helpdesk@acme.test")
    assert client.get(f"/orgs/{world['sales']}").status_code == 403


def test_org_admin_cannot_deactivate_or_move_an_org_holding_users_beyond_their_reach(app, client, sign_in, world,
                                                                                      make_user):
    make_user("boss@acme.test", "cloud_admin", world["platform"], first_name="Bo", last_name="Boss")
    make_user("helper@acme.test", "help_desk", world["platform"], first_name="Hal", last_name="Helper")
    for n in range(4):
        make_user(f"desk{n}@acme.test", "help_desk", world["platform"], first_name="Desk", last_name=str(n))
    sign_in("orgadmin@acme.test")
    confirm = client.get(f"/orgs/{world['platform']}/deactivate").get_data(as_text=True)
    assert "users you may not manage" in confirm and 'class="button danger"' not in confirm
    response = client.post(f"/orgs/{world['platform']}/deactivate", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "users you may not manage" in page
    assert "Desk 0, Desk 1, Desk 2 and 3 more" in page
    with app.app_context():
        assert db.session.get(Org, world["platform"]).status == "active"
        assert db.session.get(User, world["user"]).status == "active"
    tools = client.post("/orgs/new", data={"parent_id": world["eng"], "name": "Tools"})
    assert tools.status_code == 302
    with app.app_context():
        tools_id = db.session.scalar(select(Org.id).where(Org.name == "Tools"))
    response = client.post(f"/orgs/{world['platform']}/move", data={"parent_id": tools_id})
    assert response.status_code == 422
    assert "users you may not manage" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Org, world["platform"]).parent_id == world["eng"]
    assert not events(app, "org.deactivate") and not events(app, "org.move")


def test_org_admin_deactivates_an_org_whose_users_they_manage(app, client, sign_in, world):
    sign_in("orgadmin@acme.test")
    client.post(f"/orgs/{world['platform']}/deactivate")
    with app.app_context():
        assert db.session.get(User, world["user"]).status == "deactivated"


def test_deactivating_an_org_ends_its_users_sessions_for_good(app, client, sign_in, world):
    sign_in("user@acme.test", client=(user := app.test_client()))
    sign_in("admin@acme.test")
    client.post(f"/orgs/{world['eng']}/deactivate")
    client.post(f"/orgs/{world['eng']}/reactivate")
    response = user.get("/devices/")
    assert response.status_code == 302 and "/auth/signin" in response.headers["Location"]
