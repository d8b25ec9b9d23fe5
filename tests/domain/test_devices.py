from webconsole.extensions import db
from webconsole.models import Device


def test_backup_summary_counts_only_active_devices(app, world):
    from datetime import datetime

    from webconsole.domain.devices import backup_summary, devices_of
    with app.app_context():
        laptop = db.session.get(Device, world["user_laptop"])
        laptop.selected_bytes, laptop.archive_bytes = 100, 80
        laptop.last_completed_backup = datetime(2026, 11, 1)
        mac = db.session.get(Device, world["user_mac"])
        mac.selected_bytes, mac.status = 999, "deactivated"
        db.session.commit()
        summary = backup_summary(db.session.scalars(devices_of(world["user"])).all())
    assert summary == {"devices": 1, "selected_bytes": 100, "archive_bytes": 80,
                       "last_completed_backup": datetime(2026, 11, 1)}
