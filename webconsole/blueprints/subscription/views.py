from flask import render_template
from flask_login import current_user

from webconsole.blueprints.subscription import bp
from webconsole.domain.orgs import subscription
from webconsole.web.permissions import require


@bp.get("/")
@require("orgs.view")
def index():
    """Registration keys per organization, and the seats (users with an active device) in use."""
    return render_template("subscription/index.html", sub=subscription(current_user))
