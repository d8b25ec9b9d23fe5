"""Organizations: the tree and what a user may see of it."""
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import aliased

from webconsole.domain import audit, effective_settings, preservation
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.queries import filter_by, search
from webconsole.domain.scope import reaches, restrict, scope_for
from webconsole.domain.sessions import end_sessions
from webconsole.domain.users import name_a_few, refresh_user_totals, unmanageable_in
from webconsole.domain.values import refuse_nul
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
    effective_settings.refresh(org)
    return org


NAME_MIN, NAME_MAX = 3, 220


def get_org(actor, org_id, permission="orgs.view"):
    """The org with this id if `actor` may reach it with `permission`; NotFound otherwise."""
    org = db.session.get(Org, org_id)
    if org is None or not reaches(scope_for(actor, permission), org):
        raise NotFound(_l("No such organization."))
    return org


def _clean_name(name):
    name = " ".join(refuse_nul(name or "", "name").split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise ValidationError(_l("Enter a name of %(min)d to %(max)d characters.", min=NAME_MIN, max=NAME_MAX),
                              field="name", code="validation.length")
    return name


def _parents(actor, org=None):
    stmt = restrict(select(Org).where(Org.status == "active"), scope_for(actor, "orgs.edit"), org_column=Org.id)
    if org is not None:
        stmt = stmt.where(~Org.path.startswith(org.path, autoescape=True))
    return stmt


def _parent_for(actor, parent_id, org=None):
    parent = db.session.get(Org, parent_id) if parent_id else None
    # Asked of the one org chosen, not by loading every possible parent (20 000 of them in a big fleet).
    if parent is None or db.session.scalar(_parents(actor, org).where(Org.id == parent.id).with_only_columns(
            Org.id, maintain_column_froms=True)) is None:
        raise ValidationError(_l("Choose an active organization you manage, outside this one."), field="parent_id",
                              code="validation.choice")
    return parent


def add_org(actor, *, parent_id, name, ext_ref="", notes=""):
    """Create an org under a parent the actor manages; it inherits every settings group."""
    parent = _parent_for(actor, parent_id)
    org = create_org(_clean_name(name), parent, ext_ref=refuse_nul(ext_ref, "ext_ref").strip(),
                     notes=refuse_nul(notes, "notes").strip())
    audit.record("org.create", actor=actor, obj=org, details={"parent": parent.name})
    db.session.commit()
    return org


def update_org(actor, org_id, *, name, ext_ref, notes):
    """Change an org's name, external reference and notes."""
    org = get_org(actor, org_id, "orgs.edit")
    changed = audit.changes(org, {"name": _clean_name(name), "ext_ref": refuse_nul(ext_ref, "ext_ref").strip(),
                                  "notes": refuse_nul(notes, "notes").strip()})
    if changed:
        audit.record("org.update", actor=actor, obj=org, details={"changes": changed})
    db.session.commit()
    return org


def move_org(actor, org_id, parent_id):
    """Put an org (and everything below it) under another parent; never under itself."""
    org = get_org(actor, org_id, "orgs.edit")
    if org.parent_id is None:
        raise ValidationError(_l("The top organization cannot be moved."), field="parent_id",
                              code="org.top_cannot_move")
    parent = _parent_for(actor, parent_id, org)
    if parent.id == org.parent_id:
        return org
    names = _unmanageable(actor, org)
    if names:
        raise ValidationError(_l("You cannot move this organization: it holds users you may not manage: "
                                 "%(names)s.", names=names), field="parent_id")
    old_parent, old_path = org.parent.name, org.path
    new_path = parent.path + f"{org.id}/"
    db.session.execute(update(Org).where(Org.path.startswith(old_path, autoescape=True)).values(
        path=literal(new_path) + func.substr(Org.path, len(old_path) + 1)).execution_options(
        synchronize_session=False))
    org.parent_id = parent.id
    db.session.flush()
    db.session.refresh(org)
    effective_settings.refresh(org)
    audit.record("org.move", actor=actor, obj=org, details={"changes": {"parent": [old_parent, parent.name]}})
    db.session.commit()
    return org


def _subtree(org):
    return select(Org.id).where(Org.path.startswith(org.path, autoescape=True))


def status_effect(org, status):
    """(sub-orgs, users, devices) now in `status` below `org`: what a status change would carry along."""
    subtree = _subtree(org)
    count = lambda model, *where: db.session.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
    return (count(Org, Org.id.in_(subtree), Org.id != org.id, Org.status == status),
            count(User, User.org_id.in_(subtree), User.status == status),
            count(Device, Device.org_id.in_(subtree), Device.status == status))


def _unmanageable(actor, org, status=None):
    """A few names of the users below `org` a change would carry along though `actor` may not manage
    them ("A, B, C and 4 more"), or None."""
    names, total = unmanageable_in(actor, _subtree(org), status)
    return name_a_few(names, total) if total else None


def status_refusal(actor, org, active):
    """Why `actor` may not (re)activate or deactivate `org` (users below it they may not manage), or None."""
    names = _unmanageable(actor, org, status="deactivated" if active else "active")
    if names and active:
        return _l("You cannot reactivate this organization: it holds users you may not manage: %(names)s.",
                  names=names)
    if names:
        return _l("You cannot deactivate this organization: it holds users you may not manage: %(names)s.",
                  names=names)
    return None


def set_org_active(actor, org_id, active):
    """Deactivate an org with everything below it (orgs, users, devices), or reactivate them all."""
    org = get_org(actor, org_id, "orgs.edit")
    if actor.org.path.startswith(org.path):
        raise ValidationError(_l("You cannot deactivate or reactivate the organization you belong to."), field=None,
                              code="org.own_org")
    new, old = ("active", "deactivated") if active else ("deactivated", "active")
    refusal = status_refusal(actor, org, active)
    if refusal:
        raise ValidationError(refusal)
    subtree = _subtree(org)
    if not active:
        refusal = preservation.deactivation_refusal(select(User.id).where(User.org_id.in_(subtree),
                                                                        User.status == "active"), org=org)
        if refusal is not None:
            raise refusal
    counts = {}
    tables = (("orgs", Org, Org.id), ("users", User, User.org_id), ("devices", Device, Device.org_id))
    if not active:
        end_sessions(select(User.id).where(User.org_id.in_(subtree)))
    for name, model, column in tables:
        result = db.session.execute(update(model).where(column.in_(subtree), model.status == old)
                                    .values(status=new).execution_options(synchronize_session=False))
        counts[name] = result.rowcount
    refresh_user_totals(select(User.id).where(User.org_id.in_(subtree)))
    db.session.refresh(org)
    # Status takes no part in the effective settings today; rewriting them keeps the stored rows right
    # should a rule come to depend on it.
    effective_settings.refresh(org)
    audit.record("org.reactivate" if active else "org.deactivate", actor=actor, obj=org, details=counts)
    db.session.commit()
    return org


def regenerate_registration_key(actor, org_id):
    """Give an org a new registration key; agents holding the old one can no longer register."""
    org = get_org(actor, org_id, "orgs.edit")
    org.registration_key = new_registration_key()
    audit.record("org.registration_key", actor=actor, obj=org)
    db.session.commit()
    return org


def children(org):
    """The org's direct children, by name."""
    return db.session.scalars(select(Org).where(Org.parent_id == org.id).order_by(Org.name, Org.id)).all()


def ancestors(org):
    """The orgs above `org`, from the top down."""
    ids = [int(i) for i in org.path.strip("/").split("/")[:-1]]
    found = {o.id: o for o in db.session.scalars(select(Org).where(Org.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def subscription(actor):
    """Registration keys per org with seats in use (users with an active device), in the actor's scope."""
    seats = (select(Device.org_id, func.count(func.distinct(Device.user_id)))
             .where(Device.status == "active").group_by(Device.org_id))
    by_org = dict(db.session.execute(seats).all())
    orgs = db.session.scalars(restrict(select(Org), scope_for(actor, "orgs.view"), org_column=Org.id)
                              .order_by(Org.path)).all()
    base = min((o.depth for o in orgs), default=0)
    rows = [{"org": o, "indent": o.depth - base, "seats": by_org.get(o.id, 0)} for o in orgs]
    return {"rows": rows, "seats": sum(r["seats"] for r in rows)}
