"""Per-org totals (OrgTotals) stay equal to a recount through every kind of change, whoever makes it."""
from sqlalchemy import delete, func, select, update

from webconsole.extensions import db
from webconsole.models import Device, Org, OrgTotals, User


def recount():
    """{org id: (users, devices, selected bytes, stored bytes)} counted from the users and devices."""
    totals = {org_id: [0, 0, 0, 0] for org_id in db.session.scalars(select(Org.id))}
    for org_id, n in db.session.execute(select(User.org_id, func.count()).where(User.status == "active")
                                        .group_by(User.org_id)):
        totals[org_id][0] = n
    for org_id, n, selected, stored in db.session.execute(
            select(Device.org_id, func.count(), func.sum(Device.selected_bytes), func.sum(Device.archive_bytes))
            .where(Device.status == "active").group_by(Device.org_id)):
        totals[org_id][1:] = [n, selected, stored]
    return {org_id: tuple(values) for org_id, values in totals.items()}


def kept():
    return {row.org_id: (row.users, row.devices, row.selected_bytes, row.archive_bytes)
            for row in db.session.scalars(select(OrgTotals))}


def test_totals_follow_every_change(app, world, make_org, make_user, make_device):
    with app.app_context():
        assert kept() == recount() and kept()[world["platform"]] == (1, 2, 0, 0)
    lab = make_org("Lab", world["eng"])  # a new org starts with a row of zeros
    temp = make_user("temp@acme.test", "desktop_user", lab)
    spare = make_device(temp, "SPARE", selected_bytes=700, archive_bytes=500)
    with app.app_context():
        assert kept()[lab] == (1, 1, 700, 500)
        steps = [
            update(Device).where(Device.id == world["user_laptop"]).values(selected_bytes=9000, archive_bytes=4000),
            update(Device).where(Device.id == world["user_mac"]).values(status="deactivated", archive_bytes=77),
            update(Device).where(Device.id == spare).values(org_id=world["sales"]),  # moved, bytes go with it
            update(Device).where(Device.id == world["user_mac"]).values(status="active"),
            update(User).where(User.id == temp).values(status="deactivated"),
            update(User).where(User.id == world["seller"]).values(org_id=lab),
            delete(Device).where(Device.id == world["seller_laptop"]),
        ]
        for step in steps:
            db.session.execute(step)
            db.session.flush()
            assert kept() == recount(), step
        db.session.rollback()  # what a failed transaction changed, the totals forget with it
        assert kept()[world["platform"]] == (1, 2, 0, 0) and kept()[lab] == (1, 1, 700, 500)


def test_orm_changes_move_the_totals_too(app, world):
    with app.app_context():
        device = db.session.get(Device, world["user_laptop"])
        device.archive_bytes += 1234
        device.status = "deactivated"
        db.session.commit()
        device.status = "active"
        db.session.commit()
        assert kept() == recount() and kept()[world["platform"]][3] == 1234


def recount_storage():
    """{(org id, destination id): (devices, bytes)} counted from the backup states and their devices."""
    from webconsole.models import BackupState
    return {(org_id, dest): (n, stored) for org_id, dest, n, stored in db.session.execute(
        select(Device.org_id, BackupState.destination_id, func.count(), func.sum(BackupState.archive_bytes))
        .join(Device, Device.id == BackupState.device_id).group_by(Device.org_id, BackupState.destination_id))}


def kept_storage():
    from webconsole.models import OrgDestinationTotals
    return {(row.org_id, row.destination_id): (row.devices, row.archive_bytes)
            for row in db.session.scalars(select(OrgDestinationTotals)) if row.devices or row.archive_bytes}


def test_storage_per_destination_follows_every_change(app, world):
    from webconsole.models import BackupState, Destination
    with app.app_context():
        cloud, local = Destination(name="Cloud", kind="cloud"), Destination(name="Local", kind="local")
        db.session.add_all([cloud, local])
        db.session.flush()
        laptop, mac, seller = world["user_laptop"], world["user_mac"], world["seller_laptop"]
        db.session.add_all([BackupState(device_id=laptop, destination_id=cloud.id, archive_bytes=100),
                            BackupState(device_id=laptop, destination_id=local.id, archive_bytes=30),
                            BackupState(device_id=mac, destination_id=cloud.id, archive_bytes=50),
                            BackupState(device_id=seller, destination_id=cloud.id, archive_bytes=7)])
        db.session.flush()
        assert kept_storage() == recount_storage() and kept_storage()[(world["platform"], cloud.id)] == (2, 150)
        steps = [
            update(BackupState).where(BackupState.device_id == laptop).values(
                archive_bytes=BackupState.archive_bytes + 1000),
            update(Device).where(Device.id == mac).values(status="deactivated"),  # its archive still counts
            update(Device).where(Device.user_id == world["user"]).values(org_id=world["sales"]),  # as a user moves
            update(BackupState).where(BackupState.device_id == seller).values(destination_id=local.id),
            delete(BackupState).where(BackupState.device_id == mac),
            delete(Device).where(Device.id == laptop),  # its archives go with it
        ]
        for step in steps:
            db.session.execute(step)
            db.session.flush()
            assert kept_storage() == recount_storage(), step
        assert kept_storage() == {(world["sales"], local.id): (1, 7)}
        db.session.rollback()
