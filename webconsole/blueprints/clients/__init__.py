from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/client-management", template_folder="templates")

from webconsole.blueprints.clients import views  # noqa: E402,F401
