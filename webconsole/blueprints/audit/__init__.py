from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")

from webconsole.blueprints.audit import views  # noqa: E402,F401
