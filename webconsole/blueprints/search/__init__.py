from flask import Blueprint

bp = Blueprint("search", __name__, url_prefix="/search", template_folder="templates")

from webconsole.blueprints.search import views  # noqa: E402,F401
