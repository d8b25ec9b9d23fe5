from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account", template_folder="templates")

from webconsole.blueprints.account import two_factor, views  # noqa: E402,F401
