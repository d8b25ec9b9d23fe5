from sqlalchemy import select

from webconsole.domain.scope import restrict, scope_for
from webconsole.extensions import db
from webconsole.models import Device, User


def visible_devices(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        stmt = restrict(select(Device.name), scope_for(user, "devices.view"),
                        org_column=Device.org_id, user_column=Device.user_id)
        return sorted(db.session.scalars(stmt))


def test_cloud_admin_reaches_every_device(app, world):
    assert visible_devices(app, world["admin"]) == ["SELLER-LAPTOP", "USER-LAPTOP", "User Mac"]


def test_org_admin_reaches_only_their_subtree(app, world):
    # Engineering's admin sees Platform (a child org) but not the sibling Sales.
    assert visible_devices(app, world["orgadmin"]) == ["USER-LAPTOP", "User Mac"]


def test_desktop_user_reaches_only_their_own_devices(app, world):
    assert visible_devices(app, world["seller"]) == ["SELLER-LAPTOP"]


def test_role_without_the_permission_reaches_nothing(app, world):
    assert visible_devices(app, world["auditor"]) == []


def test_broadest_role_wins(app, world):
    from webconsole.domain.permissions import role_by_key
    with app.app_context():
        user = db.session.get(User, world["seller"])
        user.roles.append(role_by_key("help_desk"))
        db.session.commit()
        assert scope_for(user, "devices.view").kind == "all"

