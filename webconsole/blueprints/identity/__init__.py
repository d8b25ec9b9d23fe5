from flask import Blueprint

bp = Blueprint("identity", __name__, url_prefix="/identity", template_folder="templates")
# Single sign-on is its own page of Identity Management, with its own entry in the navigation.
sso_bp = Blueprint("single_sign_on", __name__, url_prefix="/identity/single-sign-on", template_folder="templates")

from webconsole.blueprints.identity import sso_views, views  # noqa: E402,F401
