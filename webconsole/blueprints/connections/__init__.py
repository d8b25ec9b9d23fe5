from flask import Blueprint

bp = Blueprint("connections", __name__, url_prefix="/data-connections", template_folder="templates")

from webconsole.blueprints.connections import views  # noqa: E402,F401
