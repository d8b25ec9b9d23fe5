from flask import render_template
from flask_login import current_user

from webconsole.blueprints.dashboard import bp
from webconsole.domain.dashboard import dashboard
from webconsole.web.permissions import require


@bp.get("/")
@require("dashboard.view")
def index():
    """Backup status, storage and its trend, users and devices, for what the user may see."""
    return render_template("dashboard/index.html", board=dashboard(current_user))
