"""Error answers: translated pages, fragments for htmx, and the sign-in redirect for htmx."""
from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from webconsole.domain.audit import record_refusal
from webconsole.domain.errors import Forbidden, NotFound, ValidationError
from webconsole.store.database import is_contention
from webconsole.web.htmx import is_partial

TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Please sign in"),
    403: _l("You do not have access to this"),
    404: _l("Page not found"),
    405: _l("That action is not allowed here"),
    409: _l("That no longer applies"),
    422: _l("Some values need correcting"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
    503: _l("The console is busy"),
}
MESSAGES = {
    400: _l("Reload the page and try again. If it keeps happening, sign out and in again."),
    403: _l("Your role does not include this page or action. Ask an administrator if you need it."),
    404: _l("The page or object does not exist, or you do not have access to it."),
    405: _l("Go back and use the console's own buttons and links."),
    409: _l("The object changed since the page was loaded. Reload it and try again."),
    422: _l("Check the highlighted fields and try again."),
    429: _l("Wait a moment and try again."),
    500: _l("The error has been logged. Try again in a moment."),
    503: _l("Too many changes are being saved at once. Nothing was lost: try again in a moment."),
}
# Doors whose clients are programs: they get the agent protocol's error shape and retry by themselves.
MACHINE_DOORS = ("agent_api", "ingest", "storage")
RETRY_AFTER_SECONDS = 2
CSRF_MESSAGE = _l("Your session's security token has expired. Reload the page and try again.")


def _wants_json():
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def render_error(code, message=None):
    """The error page (or fragment, or JSON) for an HTTP status code."""
    title = TITLES.get(code, TITLES[500])
    message = message or MESSAGES.get(code, MESSAGES[500])
    from webconsole.blueprints.code42_api.door import error_response, is_api_path

    if is_api_path(request.path):  # API clients get JSON whatever they accept, in the API's shape
        return error_response(code, f"http.{code}", message)
    if _wants_json():
        return jsonify(error={"status": code, "title": str(title), "message": str(message)}), code
    template = "errors/_error.html" if is_partial() else "errors/error.html"
    return render_template(template, code=code, title=title, message=message), code


def unauthorized():
    """Not signed in: htmx gets 401 with HX-Redirect (it ignores HX-* headers on a 3xx)."""
    target = url_for("auth.signin", next=request.full_path if request.method == "GET" else None)
    if request.headers.get("HX-Request") == "true":
        return "", 401, {"HX-Redirect": target}
    if _wants_json():
        return render_error(401, _l("Sign in first."))
    return redirect(target)


def init_app(app):
    @app.errorhandler(NotFound)
    def domain_not_found(error):
        return render_error(404)

    @app.errorhandler(Forbidden)
    def domain_forbidden(error):
        return render_error(403, str(error))

    @app.errorhandler(ValidationError)
    def domain_refused(error):
        # Views hand field errors back to their forms; one that escapes is still the user's to fix.
        return render_error(422, str(error))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        actor = current_user if current_user.is_authenticated else None
        # CSRF is checked before the request's origin address is noted for audit entries: pass it here.
        record_refusal("csrf", actor=actor, address=request.remote_addr or "", details={
            "method": request.method, "path": request.path[:255], "reason": str(error.description)})
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in TITLES and error.code != 401:
            # Descriptions we raise ourselves are written for users; werkzeug's defaults are not.
            custom = error.description if error.description != type(error).description else None
            return render_error(error.code, custom)
        return error

    @app.errorhandler(OperationalError)
    def operational_error(error):
        if not is_contention(error):
            app.logger.error("Exception on %s [%s]", request.path, request.method, exc_info=error)
            return render_error(500)
        # Nothing was stored (the transaction rolled back): the client may simply send it again.
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.blueprint in MACHINE_DOORS:
            return jsonify(error={"code": "busy", "message": "the database is busy; send the request again"}), \
                503, headers
        response, status = render_error(503)
        return response, status, headers

    @app.errorhandler(InternalServerError)
    def server_error(error):
        return render_error(500)
