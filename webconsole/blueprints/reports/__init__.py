from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")

from webconsole.blueprints.reports import views  # noqa: E402,F401
