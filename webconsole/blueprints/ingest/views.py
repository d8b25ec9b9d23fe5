"""The ingest door of data connections (JSON over HTTP): documented in docs/data-connections.md."""
from flask import jsonify, request

from webconsole.blueprints.ingest import bp
from webconsole.blueprints.ingest.payloads import IngestBatch
from webconsole.domain import connections
from webconsole.extensions import csrf
from webconsole.web.payloads import PayloadError, read_json

# Senders authenticate with their connection's token, not a browser session: no CSRF token to carry.
csrf.exempt(bp)


@bp.errorhandler(connections.IngestRefused)
def refused(error):
    return jsonify(error={"code": error.code, "message": str(error), **error.details}), error.status


@bp.errorhandler(413)
def body_too_large(_error):
    return jsonify(error={"code": "body_too_large", "message": "the request body is too large"}), 413


def connection_token(view):
    """Allow the view to a sender presenting its connection's "Authorization: Bearer <token>"."""
    view.permission = "connection"
    return view


@bp.post("/<key>/events")
@connection_token
def events(key):
    """Post a batch of file events to one data connection: validated whole, stored once, acknowledged after commit."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    connection = connections.authenticate(key, token.strip() if scheme.lower() == "bearer" else "")
    try:
        batch = read_json(IngestBatch)  # whatever the Content-Type: senders label JSON in many ways
    except PayloadError:
        batch = None
    return jsonify(connections.ingest(connection, batch.events if batch else None))
