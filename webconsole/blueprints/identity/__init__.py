from flask import Blueprint

bp = Blueprint("identity", __name__, url_prefix="/identity", template_folder="templates")

from webconsole.blueprints.identity import views  # noqa: E402,F401
