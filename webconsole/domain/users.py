"""Users: what a signed-in user may see of them."""
from sqlalchemy import func, or_, select

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
    if params.q:
        stmt = stmt.where(or_(
            User.username.icontains(params.q, autoescape=True),
            User.first_name.icontains(params.q, autoescape=True),
            User.last_name.icontains(params.q, autoescape=True),
            User.uid == params.q,
        ))
    if params.filters.get("status"):
        stmt = stmt.where(User.status == params.filters["status"])
    return stmt
