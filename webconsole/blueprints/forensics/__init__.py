from flask import Blueprint

bp = Blueprint("forensics", __name__, url_prefix="/forensic-search", template_folder="templates")

from webconsole.blueprints.forensics import views  # noqa: E402,F401
