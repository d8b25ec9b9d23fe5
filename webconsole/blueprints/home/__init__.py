from flask import Blueprint

bp = Blueprint("home", __name__, url_prefix=None, template_folder="templates")

from webconsole.blueprints.home import views  # noqa: E402,F401
