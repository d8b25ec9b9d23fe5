from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")

from webconsole.blueprints.console import views  # noqa: E402,F401
