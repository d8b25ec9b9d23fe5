from flask import Blueprint

bp = Blueprint("exposure", __name__, url_prefix="/risk-exposure", template_folder="templates")

from webconsole.blueprints.exposure import views  # noqa: E402,F401
