from flask import Blueprint

bp = Blueprint("restores", __name__, url_prefix="/restore", template_folder="templates")

from webconsole.blueprints.restores import views  # noqa: E402,F401
