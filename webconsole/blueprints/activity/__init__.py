from flask import Blueprint

bp = Blueprint("activity", __name__, url_prefix="/user-activity", template_folder="templates")

from webconsole.blueprints.activity import views  # noqa: E402,F401
