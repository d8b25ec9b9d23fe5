from flask import Blueprint

bp = Blueprint("alerts", __name__, url_prefix="/alerts", template_folder="templates")

from webconsole.blueprints.alerts import rules, views  # noqa: E402,F401
