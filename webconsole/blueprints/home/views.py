from flask import redirect, url_for
from flask_login import current_user

from webconsole.blueprints.home import bp
from webconsole.web.navigation import home_endpoint
from webconsole.web.permissions import public


@bp.get("/")
@public
def index():
    """Send a visitor to sign in, and a signed-in user to their first section."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.signin"))
    return redirect(url_for(home_endpoint()))
