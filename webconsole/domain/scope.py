"""The one place that decides which orgs, users and devices a signed-in user can reach."""
from dataclasses import dataclass

from sqlalchemy import false, select

from webconsole.models import Org

_BREADTH = {"none": 0, "self": 1, "subtree": 2, "all": 3}


@dataclass(frozen=True)
class Scope:
    """What a permission reaches for one user: everything, an org subtree, only themselves, or nothing."""

    kind: str
    user_id: int | None = None
    org_path: str | None = None

    @property
    def allowed(self):
        return self.kind != "none"


def permissions_of(user):
    """Every permission string the user holds through any role."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(p.permission for role in user.roles for p in role.permissions)


def scope_for(user, permission):
    """The broadest scope among the user's roles that grant `permission`."""
    kind = "none"
    if user is not None and getattr(user, "is_authenticated", False):
        for role in user.roles:
            if any(p.permission == permission for p in role.permissions):
                if _BREADTH[role.scope] > _BREADTH[kind]:
                    kind = role.scope
    if kind == "none":
        return Scope("none")
    return Scope(kind, user_id=user.id, org_path=user.org.path if kind == "subtree" else None)


def restrict(stmt, scope, *, org_column, user_column=None):
    """Filter a select to what `scope` reaches; org_column and user_column name the row's owners."""
    if scope.kind == "all":
        return stmt
    if scope.kind == "subtree":
        subtree = select(Org.id).where(Org.path.startswith(scope.org_path, autoescape=True))
        return stmt.where(org_column.in_(subtree))
    if scope.kind == "self" and user_column is not None:
        return stmt.where(user_column == scope.user_id)
    return stmt.where(false())


def reaches(scope, org, user_id=None):
    """Does `scope` reach an object owned by `org` (and by `user_id`, for self scopes)?"""
    if scope.kind == "all":
        return True
    if scope.kind == "subtree":
        return org is not None and org.path.startswith(scope.org_path)
    if scope.kind == "self":
        return user_id is not None and user_id == scope.user_id
    return False


def role_beyond(actor, role):
    """Would `role`, held by a user inside `actor`'s reach, reach what `actor` does not?

    Compared permission by permission on reach, not on names: Help Desk holds nothing an Org Admin
    lacks, yet reads the whole tenant, so it is beyond an Org Admin. A self-scoped permission of
    someone else's is beyond an actor whose own reach for it is only themselves.
    """
    for granted in role.permissions:
        kind = scope_for(actor, granted.permission).kind
        if kind in ("none", "self") or _BREADTH[kind] < _BREADTH[role.scope]:
            return True
    return False


def breadth(kind):
    """How far a scope kind reaches, for comparing two scopes."""
    return _BREADTH[kind]
