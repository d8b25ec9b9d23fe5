"""restic's REST backend protocol (v1 and v2), as restic's own rest-server answers it.

restic reaches a device's repository at rest:http://<guid>:<secret>@<console>/storage/<guid>/. Bodies
stream to disk (packs are 16 MiB by default, up to 128 MiB with --pack-size); answers are plain text,
which restic prints to the user.
"""
import json
from functools import wraps

from flask import Response, g, request, send_file
from werkzeug.exceptions import HTTPException

from webconsole.blueprints.storage import bp
from webconsole.domain import agents, storage
from webconsole.domain.errors import DomainError
from webconsole.extensions import csrf
from webconsole.store.repository_files import CONFIG, Missing, StorageError

# restic authenticates with the device's GUID and secret (HTTP Basic), not a browser session.
csrf.exempt(bp)

LARGEST_BODY = 256 * 1024 * 1024  # twice restic's largest pack; the rest of the console keeps 32 MiB
REALM = {"WWW-Authenticate": 'Basic realm="webconsole storage"'}
V2 = "application/vnd.x.restic.rest.v2"
V1 = "application/vnd.x.restic.rest.v1"


@bp.before_request
def larger_bodies():
    request.max_content_length = LARGEST_BODY


def _plain(message, status, headers=None):
    return Response(message.rstrip("\n") + "\n", status, headers, mimetype="text/plain")


@bp.errorhandler(StorageError)
def storage_refused(error):
    return _plain(str(error), error.status)


@bp.errorhandler(DomainError)
def domain_refused(error):
    status = getattr(error, "status", None) or 400
    return _plain(error.message, status, REALM if status == 401 else None)


@bp.errorhandler(HTTPException)
def http_error(error):
    return _plain(error.description or error.name, error.code, REALM if error.code == 401 else None)


def device_repository(view):
    """Allow the view to the device named in the address, presenting its GUID and secret."""
    @wraps(view)
    def guarded(guid, *args, **kwargs):
        credentials = request.authorization
        if credentials is None or credentials.type != "basic":
            return _plain("send the device's GUID and secret as HTTP Basic credentials", 401, REALM)
        g.device = agents.authenticate(credentials.username, credentials.password)
        if g.device.guid != guid:
            return _plain("this repository belongs to another device", 403)
        return view(*args, **kwargs)

    guarded.permission = "device"
    return guarded


@bp.post("/<guid>/")
@device_repository
def create():
    """Create the device's repository (restic init sends ?create=true)."""
    if request.args.get("create") != "true":
        return _plain("send ?create=true to create the repository", 400)
    storage.create_repository(g.device)
    return _plain("", 200)


@bp.get("/<guid>/config")
@device_repository
def read_config():
    """The repository's config file (HEAD: only its size)."""
    return _send(CONFIG, None)


@bp.post("/<guid>/config")
@device_repository
def write_config():
    """Store the config file, once."""
    storage.write_file(g.device, CONFIG, None, request.stream, request.content_length)
    return _plain("", 200)


@bp.delete("/<guid>/config")
@device_repository
def delete_config():
    """Delete the config file (refused when append-only)."""
    storage.delete_file(g.device, CONFIG, None)
    return _plain("", 200)


@bp.get("/<guid>/<kind>/")
@device_repository
def listing(kind):
    """The files of a type: names (v1), or names and sizes when restic asks for v2."""
    found = storage.files_of(g.device).listing(kind)
    if V2 in request.headers.get("Accept", ""):
        body, version = [{"name": name, "size": size} for name, size in found], V2
    else:
        body, version = [name for name, _size in found], V1
    return Response(json.dumps(body, separators=(",", ":")), 200, content_type=version)


@bp.get("/<guid>/<kind>/<name>")
@device_repository
def read_file(kind, name):
    """A file, or the byte range restic asks for (206); HEAD answers its size."""
    return _send(kind, name)


@bp.post("/<guid>/<kind>/<name>")
@device_repository
def write_file(kind, name):
    """Store a new file whose name is the SHA-256 of the body; an existing name is refused."""
    storage.write_file(g.device, kind, name, request.stream, request.content_length)
    return _plain("", 200)


@bp.delete("/<guid>/<kind>/<name>")
@device_repository
def delete_file(kind, name):
    """Delete a file (only locks when the repository is append-only)."""
    storage.delete_file(g.device, kind, name)
    return _plain("", 200)


def _send(kind, name):
    files = storage.files_of(g.device)
    path = files.file_path(kind, name)
    files.size(kind, name)  # Missing (404) before send_file would raise its own error
    try:
        return send_file(path, mimetype="application/octet-stream", conditional=True, etag=False, max_age=0)
    except FileNotFoundError:  # deleted in between
        raise Missing("no such file") from None
