"""Risk Exposure: where data may be leaving, by vector, user and file category, for a period."""
from flask import render_template, request
from flask_login import current_user

from webconsole.blueprints.exposure import bp
from webconsole.domain import exposure
from webconsole.domain.forensics import RANGES
from webconsole.web.permissions import require


@bp.get("/")
@require("forensics.search")
def index():
    """The board for the chosen period; every figure links to the Forensic Search behind it."""
    board = exposure.board(current_user, request.args.get("period", exposure.DEFAULT_PERIOD))
    periods = [(key, RANGES[key][0]) for key in exposure.PERIODS]
    return render_template("exposure/index.html", board=board, periods=periods)
