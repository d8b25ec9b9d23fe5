from flask import render_template
from flask_login import current_user

from webconsole.blueprints.destinations import bp
from webconsole.domain.dashboard import destination_usage
from webconsole.domain.storage import local_usage
from webconsole.web.permissions import require


@bp.get("/")
@require("dashboard.view")
def index():
    """Storage destinations with their capacity, what is stored there and by how many devices."""
    return render_template("destinations/index.html", destinations=destination_usage(current_user),
                           local=local_usage(current_user))
