from flask import Blueprint

bp = Blueprint("subscription", __name__, url_prefix="/subscription", template_folder="templates")

from webconsole.blueprints.subscription import views  # noqa: E402,F401
