from flask import Blueprint

bp = Blueprint("sso", __name__, url_prefix="/sso", template_folder="templates")

from webconsole.blueprints.sso import views  # noqa: E402,F401
