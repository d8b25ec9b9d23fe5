from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/users", template_folder="templates")

from webconsole.blueprints.users import manage, status, views  # noqa: E402,F401
