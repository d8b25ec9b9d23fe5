from flask_babel import lazy_gettext as _l

from webconsole.blueprints.orgs import bp
from webconsole.domain.orgs import Parent, device_count, org_list, user_count
from webconsole.models import Org
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec

ORG_LIST = ListSpec(
    key="orgs",
    endpoint="orgs.index",
    query=org_list,
    default_sort="name",
    filters=("status",),
    export_name="organizations",
    columns=[
        Column("name", _l("Name"), sort=Org.name, width=240, link=("orgs.detail", "org_id")),
        Column("parent_name", _l("Parent organization"), sort=Parent.name, nullable=True, width=200),
        Column("ext_ref", _l("External reference"), sort=Org.ext_ref, width=160),
        Column("status", _l("Status"), cell="status", sort=Org.status, width=120),
        Column("user_count", _l("Users"), cell="number", sort=user_count, numeric=True, width=100),
        Column("device_count", _l("Devices"), cell="number", sort=device_count, numeric=True, width=100),
        Column("registration_key", _l("Registration key"), cell="code", width=200),
        Column("created_at", _l("Created"), cell="datetime", sort=Org.created_at, width=180),
    ],
)

register_list_routes(bp, ORG_LIST, "orgs.view", "orgs/index.html")
