"""Organizations, as py42's OrgService uses them."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.blueprints.code42_api import bp, shapes
from webconsole.blueprints.code42_api.door import ApiError, api, body, flag, numbered_page, page_args, text
from webconsole.domain import orgs as domain
from webconsole.domain.errors import NotFound
from webconsole.domain.listings import catalog
from webconsole.extensions import db
from webconsole.models import Org


@bp.get("/api/v1/Org")
@api("orgs.view")
def list_orgs(actor):
    """A page of the organizations the caller reaches (pgNum, pgSize)."""
    page_num, page_size = page_args()
    active = flag("active")
    filters = {"status": "active" if active else "deactivated"} if active is not None else {}
    params = catalog.ORGS.params(filters=filters)
    rows = numbered_page(catalog.ORGS, actor, params, page_num, page_size)
    n, _exact = catalog.ORGS.count(actor, params)
    return {"totalCount": n, "orgs": [shapes.org(o) for o in shapes.in_order(Org, [r.id for r in rows])]}


def org_filter(actor, org_uid, permission, code, message):
    """The id (as a listing's filter takes it) of the org with this UID that `actor` reaches with `permission`;
    a 400 in py42's own words (`code`, `message`) otherwise."""
    try:
        return str(org_by_uid(actor, org_uid, permission).id)
    except NotFound:
        raise ApiError(400, code, message, "orgUid") from None


def org_by_uid(actor, org_uid, permission="orgs.view"):
    found = db.session.scalar(select(Org.id).where(Org.uid == org_uid)) if org_uid else None
    return domain.get_org(actor, found or 0, permission)


@bp.get("/api/v3/orgs/<org_uid>")
@api("orgs.view")
def get_org(actor, org_uid):
    """One organization by its GUID."""
    return shapes.org(org_by_uid(actor, org_uid))


@bp.get("/api/v1/Org/my")
@api()
def my_org(actor):
    """The caller's own organization."""
    return shapes.org(actor.org)


@bp.post("/api/v3/orgs")
@api("orgs.edit")
def create_org(actor):
    """A new organization: {"orgName", "orgExtRef", "notes", "parentOrgGuid"}."""
    values = body()
    parent_uid = text("parentOrgGuid", 32, source=values) or ""
    try:
        parent = org_by_uid(actor, parent_uid, "orgs.edit") if parent_uid else None
    except NotFound:
        raise ApiError(400, "org.not_found", _l("Organization was not found"), "parentOrgGuid") from None
    if parent is None:
        raise ApiError(400, "validation.required", _l("Name the parent organization (parentOrgGuid)."),
                       "parentOrgGuid")
    org = domain.add_org(actor, parent_id=parent.id, name=text("orgName", 300, source=values) or "",
                         ext_ref=text("orgExtRef", 255, source=values) or "",
                         notes=text("notes", 20_000, source=values) or "")
    return shapes.org(org)


def _status(active):
    @api("orgs.edit")
    def view(actor, org_uid):
        domain.set_org_active(actor, org_by_uid(actor, org_uid, "orgs.edit").id, active)
        return None

    return view


for _name, _active in (("deactivate", False), ("activate", True)):
    _view = _status(_active)
    _view.__name__ = f"org_{_name}"
    _view.__doc__ = f"POST /api/v3/orgs/<guid>/{_name}."
    bp.add_url_rule(f"/api/v3/orgs/<org_uid>/{_name}", endpoint=f"org_{_name}", view_func=_view, methods=["POST"])
