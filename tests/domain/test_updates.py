from datetime import date, timedelta

import pytest

from tests.domain.test_settings import form
from webconsole.domain import settings, updates
from webconsole.domain.errors import ValidationError
from webconsole.extensions import db
from webconsole.models import Device, User

TODAY = date(2026, 11, 25)


def add(app, world, version, days_ago, platform="windows"):
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        return updates.add_version(admin, version=version, platform=platform,
                                   released_on=TODAY - timedelta(days=days_ago)).id


def offered(app, device_id):
    with app.app_context():
        found = updates.offered_version(db.session.get(Device, device_id), TODAY)
        return found.version if found else None


def test_the_newest_version_for_the_platform_is_offered(app, world):
    with app.app_context():
        db.session.get(Device, world["user_laptop"]).agent_version = "11.4.1"
        db.session.commit()
    add(app, world, "11.9.2", 30)
    add(app, world, "11.10.0", 10)
    add(app, world, "12.0.0", 1, platform="macos")
    assert offered(app, world["user_laptop"]) == "11.10.0"  # numerically newest, not by text


def test_org_policy_delays_skips_and_can_stop_updates(app, world):
    add(app, world, "11.5.0", 20)
    newest = add(app, world, "11.6.0", 5)
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        settings.set_inheritance(admin, world["platform"], "updates", inherit=False)
        settings.save_group(admin, world["platform"], "updates", form("updates", delay_days=7), "save")
    assert offered(app, world["user_laptop"]) == "11.5.0"  # 11.6.0 is too recent for a 7-day delay
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        settings.save_group(admin, world["platform"], "updates",
                            form("updates", blocked_versions=["11.5.0"]), "save")
    assert offered(app, world["user_laptop"]) == "11.6.0"
    with app.app_context():
        updates.set_blocked(db.session.get(User, world["admin"]), newest, True)
    assert offered(app, world["user_laptop"]) is None  # 11.5.0 skipped by the org, 11.6.0 blocked
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        settings.save_group(admin, world["platform"], "updates", form("updates", auto_update=False), "save")
        updates.set_blocked(admin, newest, False)
    assert offered(app, world["user_laptop"]) is None


def test_a_device_already_up_to_date_stays(app, world):
    with app.app_context():
        db.session.get(Device, world["user_laptop"]).agent_version = "11.6.0"
        db.session.commit()
    add(app, world, "11.6.0", 10)
    assert offered(app, world["user_laptop"]) is None


@pytest.mark.parametrize("version, platform", [("eleven", "windows"), ("11.6.0", "beos")])
def test_bad_versions_are_refused(app, world, version, platform):
    with app.app_context(), pytest.raises(ValidationError):
        updates.add_version(db.session.get(User, world["admin"]), version=version, platform=platform,
                            released_on=TODAY)
