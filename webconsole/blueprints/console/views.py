from flask import jsonify, render_template, request
from flask_login import current_user

from webconsole.blueprints.console import bp
from webconsole.domain.console import run_line
from webconsole.web.htmx import is_partial
from webconsole.web.permissions import require


@bp.post("/run")
@require("console.cli")
def run():
    """Run one console command line; the answer is text (a fragment for the panel, or JSON)."""
    line = request.form.get("line", "") if request.form else (request.get_json(silent=True) or {}).get("line", "")
    output, ok = run_line(current_user, line[:2000])
    if is_partial():
        return render_template("console/_output.html", line=line, output=output, ok=ok)
    return jsonify(output=output, ok=ok), 200 if ok else 400
