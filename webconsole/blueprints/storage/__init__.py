"""restic's REST backend protocol for the destination "This server": one repository per device."""
from flask import Blueprint

bp = Blueprint("storage", __name__, url_prefix="/storage")

from webconsole.blueprints.storage import views  # noqa: E402,F401
