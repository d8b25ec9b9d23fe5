from flask_babel import lazy_gettext as _l

from webconsole.blueprints.users import bp
from webconsole.domain.users import org_choices, role_choices, user_list
from webconsole.models import Org, User
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec

USER_LIST = ListSpec(
    key="users",
    endpoint="users.index",
    query=user_list,
    default_sort="username",
    filters=("status", "org", "role"),
    export_name="users",
    page_context=lambda actor: {"org_choices": org_choices(actor, "users.view"), "role_choices": role_choices()},
    columns=[
        Column("username", _l("Username"), sort=User.username, width=260, link=("users.detail", "user_id")),
        Column("name", _l("Name"), cell="person", sort=User.last_name, width=200),
        Column("org_name", _l("Organization"), sort=Org.name, then=(Org.id,), width=180),
        Column("status", _l("Status"), cell="user_status", sort=User.status, width=120),
        Column("device_count", _l("Devices"), cell="number", numeric=True, width=100),
        Column("last_signin_at", _l("Last sign-in"), cell="datetime", sort=User.last_signin_at,
               nullable=True, width=180),
        Column("created_at", _l("Created"), cell="datetime", sort=User.created_at, width=180),
    ],
)

register_list_routes(bp, USER_LIST, "users.view", "users/index.html")
