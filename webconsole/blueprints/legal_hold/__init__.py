from flask import Blueprint

bp = Blueprint("matters", __name__, url_prefix="/legal-hold/matters", template_folder="templates")
policies_bp = Blueprint("policies", __name__, url_prefix="/legal-hold/policies", template_folder="templates")

from webconsole.blueprints.legal_hold import matters, policies  # noqa: E402,F401
