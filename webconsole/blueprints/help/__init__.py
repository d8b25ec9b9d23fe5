from flask import Blueprint

bp = Blueprint("help", __name__, url_prefix="/help", template_folder="templates")

from webconsole.blueprints.help import views  # noqa: E402,F401
