from flask import Blueprint

bp = Blueprint("updates", __name__, url_prefix="/updates", template_folder="templates")

from webconsole.blueprints.updates import views  # noqa: E402,F401
