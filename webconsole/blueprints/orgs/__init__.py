from flask import Blueprint

bp = Blueprint("orgs", __name__, url_prefix="/orgs", template_folder="templates")

from webconsole.blueprints.orgs import manage, settings_views, views  # noqa: E402,F401
