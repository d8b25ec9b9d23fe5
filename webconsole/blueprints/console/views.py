from flask import abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from webconsole.blueprints.console import bp
from webconsole.domain.console import run_line
from webconsole.web.htmx import is_partial
from webconsole.web.permissions import require


@bp.post("/run")
@require("console.cli")
def run():
    """Run one console command line; the answer is text (a fragment for the panel, or JSON)."""
    if request.is_json and not request.form:
        payload = request.get_json()  # a body that is not JSON is a 400 saying why
        line = payload.get("line", "") if isinstance(payload, dict) else None
    else:
        line = request.form.get("line", "")
    if not isinstance(line, str):
        abort(400, description=_("“line” must be text."))
    output, ok = run_line(current_user, line[:2000])
    if is_partial():
        return render_template("console/_output.html", line=line, output=output, ok=ok)
    return jsonify(output=output, ok=ok), 200 if ok else 400
