from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/jobs", template_folder="templates")

from webconsole.blueprints.jobs import views  # noqa: E402,F401
