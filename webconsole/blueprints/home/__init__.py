from flask import Blueprint

bp = Blueprint("home", __name__, url_prefix=None)

from webconsole.blueprints.home import views  # noqa: E402,F401
