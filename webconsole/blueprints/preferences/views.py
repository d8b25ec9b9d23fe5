from flask import abort, jsonify, request
from flask_login import current_user

from webconsole.blueprints.preferences import bp
from webconsole.domain.errors import ValidationError
from webconsole.domain.preferences import reset_column_widths, save_column_widths
from webconsole.web.lists import spec_for
from webconsole.web.permissions import signed_in


def _spec(list_key):
    spec = spec_for(list_key)
    if spec is None:
        abort(404)
    return spec


@bp.post("/lists/<list_key>/widths")
@signed_in
def save_widths(list_key):
    """Store the column widths the user dragged, as JSON {"widths": {column: px}}."""
    spec = _spec(list_key)
    payload = request.get_json()  # a body that is not JSON is a 400 saying why
    try:
        widths = save_column_widths(current_user.id, spec.key, payload.get("widths") if isinstance(payload, dict)
                                    else None, spec.column_keys)
    except ValidationError as error:
        return jsonify(error={"field": error.field, "message": str(error)}), 422
    return jsonify(widths=widths)


@bp.post("/lists/<list_key>/widths/reset")
@signed_in
def reset_widths(list_key):
    """Forget the user's column widths for a list (a double-click on its heading row)."""
    spec = _spec(list_key)
    reset_column_widths(current_user.id, spec.key)
    return jsonify(widths={c.key: c.width for c in spec.columns})
