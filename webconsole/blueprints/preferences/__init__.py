from flask import Blueprint

bp = Blueprint("preferences", __name__, url_prefix="/preferences")

from webconsole.blueprints.preferences import views  # noqa: E402,F401
