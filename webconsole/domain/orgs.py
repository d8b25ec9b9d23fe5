"""Organizations: the tree and what a user may see of it."""
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from webconsole.domain.queries import filter_by, search
from webconsole.domain.scope import restrict, scope_for
from webconsole.extensions import db
from webconsole.models import Device, Org, User

Parent = aliased(Org, name="parent_org")

user_count = (select(func.count()).where(User.org_id == Org.id).correlate(Org)
              .scalar_subquery().label("user_count"))
device_count = (select(func.count()).where(Device.org_id == Org.id).correlate(Org)
                .scalar_subquery().label("device_count"))


def org_list(actor, params):
    """Select of the orgs `actor` may view, with parent name and counts, filtered by a search."""
    stmt = (
        select(Org.id, Org.uid, Org.name, Org.ext_ref, Org.status, Org.created_at, Org.registration_key,
               Org.path, Parent.name.label("parent_name"), user_count, device_count)
        .outerjoin(Parent, Org.parent_id == Parent.id)
    )
    stmt = restrict(stmt, scope_for(actor, "orgs.view"), org_column=Org.id)
    stmt = search(stmt, params.q, contains=(Org.name, Org.ext_ref), equals=(Org.uid,))
    return filter_by(stmt, params.filters, {"status": Org.status})


def new_registration_key():
    """A registration key agents present to join an org: four groups of four, easy to read aloud."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def create_org(name, parent=None, ext_ref="", notes=""):
    """Add an org under `parent` (None for a root) and give it its path and registration key."""
    org = Org(name=name, parent_id=parent.id if parent else None, ext_ref=ext_ref, notes=notes,
              registration_key=new_registration_key())
    db.session.add(org)
    db.session.flush()
    org.path = (parent.path if parent else "/") + f"{org.id}/"
    return org
