from flask_babel import lazy_gettext as _l

from webconsole.blueprints.audit import bp
from webconsole.domain.listings import catalog
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec

AUDIT_LIST = ListSpec(
    listing=catalog.AUDIT,
    endpoint="audit.index",
    export_name="audit-log",
    columns=[
        Column("at", _l("Date"), cell="datetime", width=165),
        Column("actor_username", _l("Actor"), width=190),
        Column("address", _l("IP address"), width=120),
        Column("event_type", _l("Event"), cell="audit_event", width=200),
        Column("object_label", _l("Object"), cell="audit_object", width=210),
        Column("details", _l("Details"), cell="audit_details", width=245),
    ],
)

register_list_routes(bp, AUDIT_LIST, "audit.view", "audit/index.html")
