from flask import Blueprint

bp = Blueprint("devices", __name__, url_prefix="/devices", template_folder="templates")

from webconsole.blueprints.devices import commands, manage, settings_views, views  # noqa: E402,F401
