from flask_babel import lazy_gettext as _l

from webconsole.blueprints.orgs import bp
from webconsole.domain.listings import catalog
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec

ORG_LIST = ListSpec(
    listing=catalog.ORGS,
    endpoint="orgs.index",
    export_name="organizations",
    columns=[
        Column("name", _l("Name"), width=240, link=("orgs.detail", "org_id")),
        Column("parent_name", _l("Parent organization"), width=200),
        Column("ext_ref", _l("External reference"), width=160),
        Column("status", _l("Status"), cell="status", width=120),
        Column("user_count", _l("Users"), cell="number", numeric=True, width=100),
        Column("device_count", _l("Devices"), cell="number", numeric=True, width=100),
        Column("registration_key", _l("Registration key"), cell="code", width=200),
        Column("created_at", _l("Created"), cell="datetime", width=180),
    ],
)

register_list_routes(bp, ORG_LIST, "orgs.view", "orgs/index.html")
