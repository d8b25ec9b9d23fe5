from datetime import timedelta

from webconsole.domain.dashboard import dashboard, record_storage_usage
from webconsole.extensions import db
from webconsole.models import BackupState, Destination, Device, User
from webconsole.models.base import utcnow


def seed(app, world):
    now = utcnow()
    with app.app_context():
        cloud = Destination(name="Cloud", kind="cloud", capacity_bytes=10 * 1024**4)
        db.session.add(cloud)
        db.session.flush()
        for key, days, size in (("user_laptop", 0, 100), ("user_mac", 5, 200), ("seller_laptop", 30, 400)):
            device = db.session.get(Device, world[key])
            device.last_completed_backup = now - timedelta(days=days, hours=1)
            device.last_connected = now - timedelta(hours=2 if days == 0 else days * 24)
            db.session.add(BackupState(device_id=device.id, destination_id=cloud.id, archive_bytes=size * 1024**3))
        db.session.commit()


def test_counts_alerts_and_storage_for_the_whole_environment(app, world):
    seed(app, world)
    with app.app_context():
        board = dashboard(db.session.get(User, world["admin"]))
        assert board.devices == 3 and board.users == 6 and board.connected_24h == 1
        assert board.alerts == {0: 1, 1: 1, 2: 1}
        [cloud] = board.destinations
        assert cloud["used"] == 700 * 1024**3 and cloud["devices"] == 3
        assert board.trend["series"][0]["values"][-1] == 700 * 1024**3


def test_org_admin_counts_only_their_subtree(app, world):
    seed(app, world)
    with app.app_context():
        record_storage_usage(utcnow().date() - timedelta(days=1))
        board = dashboard(db.session.get(User, world["orgadmin"]))
        assert board.devices == 2 and board.users == 2
        assert board.alerts == {0: 1, 1: 1, 2: 0}
        assert board.destinations[0]["used"] == 300 * 1024**3
        assert board.trend["series"][0]["values"][-2] == 300 * 1024**3  # yesterday, scoped


def test_dashboard_page_links_each_level_to_the_filtered_list(app, client, sign_in, world):
    seed(app, world)
    sign_in("admin@acme.test")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert 'href="/devices/?alert=critical"' in html and "700 GB" in html
    assert "data-series=" in html and "uPlot-1.6.32" in html
    sign_in("user@acme.test")
    assert client.get("/dashboard/").status_code == 403
