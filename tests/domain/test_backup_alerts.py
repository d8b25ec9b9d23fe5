from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import aliased

from tests.domain.test_settings import form
from webconsole.domain import backup_alerts, settings
from webconsole.extensions import db
from webconsole.models import Device, Org, OrgSettings, User
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


@pytest.mark.parametrize("owners_max", [backup_alerts.OWNERS_MAX, 0])  # by path prefixes; by lists of ids
def test_threshold_groups_match_each_orgs_own_settings(app, make_org, monkeypatch, owners_max):
    monkeypatch.setattr(backup_alerts, "OWNERS_MAX", owners_max)
    top = make_org("Top")
    a, b = make_org("A", top), make_org("B", top)
    a1, a2, b1 = make_org("A1", a), make_org("A2", a), make_org("B1", b)
    a1x, b1x = make_org("A1x", a1), make_org("B1x", b1)
    with app.app_context():
        # A owns (4, 8), A1 below it owns (5, 9); B locks (6, 12), so B1's own (7, 14) never applies.
        for org_id, (warning, critical), locked in ((a, (4, 8), False), (a1, (5, 9), False),
                                                    (b, (6, 12), True), (b1, (7, 14), False)):
            db.session.add(OrgSettings(org_id=org_id, group="general", locked=locked,
                                       values={"warning_days": warning, "critical_days": critical}))
        db.session.commit()
        expected = {o: (v["warning_days"], v["critical_days"]) for o, v in settings.values_by_org("general").items()}
        grouped = backup_alerts.thresholds()
        for org in (Org, aliased(Org)):  # told by the row's own path, and by a subquery of the group's orgs
            found = {}
            for index, (limits, _where) in enumerate(grouped):
                member = backup_alerts._members(org.id, index, grouped)
                for org_id in db.session.scalars(select(org.id).where(member)):
                    assert org_id not in found, "an org in two groups"
                    found[org_id] = limits
            assert found == expected
    assert expected[a1x] == (5, 9) and expected[a2] == (4, 8) and expected[b1x] == (6, 12)
    assert expected[top] == (3, 7)  # the built-in defaults
