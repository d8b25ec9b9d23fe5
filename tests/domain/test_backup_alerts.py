from datetime import timedelta

from sqlalchemy import select

from tests.domain.test_settings import form
from webconsole.domain import backup_alerts, settings
from webconsole.extensions import db
from webconsole.models import Device, User
from webconsole.models.base import utcnow


def levels(app):
    with app.app_context():
        rows = db.session.execute(select(Device.name, backup_alerts.level_expression().label("level"))).all()
        return dict(rows)


def test_levels_follow_each_orgs_thresholds(app, world, make_device):
    now = utcnow()
    with app.app_context():
        db.session.get(Device, world["user_laptop"]).last_completed_backup = now - timedelta(hours=5)
        db.session.get(Device, world["user_mac"]).last_completed_backup = now - timedelta(days=4)
        db.session.get(Device, world["seller_laptop"]).last_completed_backup = now - timedelta(days=8)
        db.session.commit()
    make_device(world["user"], "NEVER-BACKED-UP")  # registered just now: not overdue yet
    assert levels(app) == {"USER-LAPTOP": 0, "User Mac": 1, "SELLER-LAPTOP": 2, "NEVER-BACKED-UP": 0}
    # Sales tolerates 10 days before a warning and 20 before critical.
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        settings.set_inheritance(admin, world["sales"], "general", inherit=False)
        settings.save_group(admin, world["sales"], "general", form("general", warning_days=10, critical_days=20),
                            "save")
    assert levels(app)["SELLER-LAPTOP"] == 0


def test_only_active_devices_alert(app, world):
    with app.app_context():
        device = db.session.get(Device, world["seller_laptop"])
        device.last_completed_backup = utcnow() - timedelta(days=30)
        device.status = "deactivated"
        db.session.commit()
    assert levels(app)["SELLER-LAPTOP"] == 0


def test_list_filters_by_alert_level(app, client, sign_in, world):
    with app.app_context():
        db.session.get(Device, world["seller_laptop"]).last_completed_backup = utcnow() - timedelta(days=9)
        db.session.get(Device, world["user_laptop"]).last_completed_backup = utcnow()
        db.session.get(Device, world["user_mac"]).last_completed_backup = utcnow()
        db.session.commit()
    sign_in("admin@acme.test")
    html = client.get("/devices/?alert=critical").get_data(as_text=True)
    assert "SELLER-LAPTOP" in html and "USER-LAPTOP" not in html and "Critical" in html
    html = client.get("/devices/?alert=bogus").get_data(as_text=True)
    assert 'aria-invalid="true"' in html


def test_counts_by_index_ranges_agree_with_each_devices_level(app, world, make_device):
    now = utcnow()
    with app.app_context():
        for key, days in (("user_laptop", 1), ("user_mac", 4), ("seller_laptop", 9)):
            db.session.get(Device, world[key]).last_completed_backup = now - timedelta(days=days)
        db.session.commit()
        old = db.session.get(Device, make_device(world["user"], "OLD-NEVER"))
        old.created_at = now - timedelta(days=30)
        db.session.commit()
        admin = db.session.get(User, world["admin"])
        settings.set_inheritance(admin, world["sales"], "general", inherit=False)
        settings.save_group(admin, world["sales"], "general", form("general", warning_days=2, critical_days=5),
                            "save")
        expected = {}
        for org_id, level in db.session.execute(select(Device.org_id, backup_alerts.level_expression(now=now))):
            expected.setdefault(org_id, {0: 0, 1: 0, 2: 0})[level] += 1
        assert backup_alerts.count_by_level(now=now) == {o: expected.get(o, {0: 0, 1: 0, 2: 0})
                                                  for o in backup_alerts.count_by_level(now=now)}
        assert expected[world["sales"]] == {0: 0, 1: 0, 2: 1}
        assert expected[world["platform"]] == {0: 1, 1: 1, 2: 1}
