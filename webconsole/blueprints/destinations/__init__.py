from flask import Blueprint

bp = Blueprint("destinations", __name__, url_prefix="/destinations", template_folder="templates")

from webconsole.blueprints.destinations import manage, views  # noqa: E402,F401
