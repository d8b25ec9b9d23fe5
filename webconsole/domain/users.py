"""Users: what a signed-in user may see of them."""
from sqlalchemy import func, select

from webconsole.domain.queries import filter_by, search
from webconsole.domain.scope import restrict, scope_for
from webconsole.models import Device, Org, User

device_count = (select(func.count()).where(Device.user_id == User.id).correlate(User)
                .scalar_subquery().label("device_count"))


def user_list(actor, params):
    """Select of the users `actor` may view, with org name and device count, filtered by a search."""
    stmt = (
        select(User.id, User.uid, User.username, User.email, User.first_name, User.last_name,
               User.status, User.blocked, User.created_at, User.last_signin_at,
               Org.name.label("org_name"), device_count)
        # A LEFT JOIN keeps users the outer loop in SQLite's plan (see domain.devices.device_list).
        .outerjoin(Org, User.org_id == Org.id)
    )
    stmt = restrict(stmt, scope_for(actor, "users.view"), org_column=User.org_id, user_column=User.id)
    stmt = search(stmt, params.q, contains=(User.username, User.first_name, User.last_name),
                  equals=(User.uid,))
    return filter_by(stmt, params.filters, {"status": User.status})
