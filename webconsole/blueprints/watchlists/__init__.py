from flask import Blueprint

bp = Blueprint("watchlists", __name__, url_prefix="/watchlists", template_folder="templates")

from webconsole.blueprints.watchlists import views  # noqa: E402,F401
