from flask import Blueprint

bp = Blueprint("ingest", __name__, url_prefix="/api/connections/v1")

from webconsole.blueprints.ingest import views  # noqa: E402,F401
