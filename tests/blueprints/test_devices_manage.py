import pytest
from sqlalchemy import select

from webconsole.extensions import db
from webconsole.models import AuditEvent, BackupState, Destination, Device


def test_device_page_shows_identity_and_backup_per_destination(app, client, sign_in, world):
    with app.app_context():
        cloud = Destination(name="Cloud <West>", kind="cloud")
        db.session.add(cloud)
        db.session.flush()
        db.session.add(BackupState(device_id=world["user_laptop"], destination_id=cloud.id, selected_files=1234,
                                   selected_bytes=5 * 1024**3, percent_complete=87.5, archive_bytes=4 * 1024**3))
        db.session.commit()
    sign_in("helpdesk@acme.test")
    html = client.get(f"/devices/{world['user_laptop']}").get_data(as_text=True)
    assert "USER-LAPTOP" in html and "user@acme.test" in html
    assert "Cloud &lt;West&gt;" in html and "1,234" in html and "87.5%" in html and "5 GB" in html
    assert "Deactivate" not in html  # help desk reads only


def test_rename_is_audited_and_validated(app, client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post(f"/devices/{world['user_laptop']}/rename", data={"name": "   "})
    assert response.status_code == 422
    client.post(f"/devices/{world['user_laptop']}/rename", data={"name": "Una's laptop"})
    with app.app_context():
        assert db.session.get(Device, world["user_laptop"]).name == "Una's laptop"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "device.rename"))
        assert event.details["changes"]["name"] == ["USER-LAPTOP", "Una's laptop"]


@pytest.mark.parametrize("steps, final", [
    (["block"], "blocked"),
    (["block", "unblock"], "active"),
    (["deauthorize"], "deauthorized"),
    (["deactivate"], "deactivated"),
    (["deactivate", "reactivate"], "active"),
])
def test_status_changes_are_confirmed_then_done_and_audited(app, client, sign_in, world, steps, final):
    sign_in("admin@acme.test")
    for step in steps:
        page = client.get(f"/devices/{world['user_laptop']}/{step}")
        assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
        assert client.post(f"/devices/{world['user_laptop']}/{step}").status_code == 302
    with app.app_context():
        assert db.session.get(Device, world["user_laptop"]).status == final
        types = db.session.scalars(select(AuditEvent.event_type).where(AuditEvent.event_type.like("device.%"))).all()
    assert types == [f"device.{s}" for s in steps]


def test_a_change_that_does_not_apply_is_refused(client, sign_in, world):
    sign_in("admin@acme.test")
    assert client.post(f"/devices/{world['user_laptop']}/reactivate").status_code == 409


def test_deactivate_says_what_happens_to_archives(client, sign_in, world):
    sign_in("admin@acme.test")
    html = client.get(f"/devices/{world['user_laptop']}/deactivate").get_data(as_text=True)
    assert "cold storage" in html


def test_desktop_user_sees_own_device_but_not_others_and_cannot_act(client, sign_in, world):
    sign_in("user@acme.test")
    assert client.get(f"/devices/{world['user_laptop']}").status_code == 200
    assert client.get(f"/devices/{world['seller_laptop']}").status_code == 404
    assert client.post(f"/devices/{world['user_laptop']}/block").status_code == 403
    assert client.get("/users/1").status_code == 403


def test_org_admin_cannot_reach_a_sibling_org_device(client, sign_in, world):
    sign_in("orgadmin@acme.test")
    assert client.get(f"/devices/{world['seller_laptop']}").status_code == 404
    assert client.post(f"/devices/{world['seller_laptop']}/rename", data={"name": "x"}).status_code == 404
