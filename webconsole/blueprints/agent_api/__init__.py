from flask import Blueprint

bp = Blueprint("agent_api", __name__, url_prefix="/api/agent/v1")

from webconsole.blueprints.agent_api import views  # noqa: E402,F401
