from flask_babel import lazy_gettext as _l

from webconsole.blueprints.users import bp
from webconsole.domain.listings import catalog
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec

USER_LIST = ListSpec(
    listing=catalog.USERS,
    endpoint="users.index",
    export_name="users",
    columns=[
        Column("username", _l("Username"), width=230, link=("users.detail", "user_id")),
        Column("name", _l("Name"), cell="person", width=170),
        Column("org_name", _l("Organization"), width=150),
        Column("status", _l("Status"), cell="user_status", width=120),
        Column("device_count", _l("Devices"), cell="number", numeric=True, width=90),
        Column("last_signin_at", _l("Last sign-in"), cell="datetime", width=165),
        Column("created_at", _l("Created"), cell="datetime", width=165),
    ],
)

register_list_routes(bp, USER_LIST, "users.view", "users/index.html")
