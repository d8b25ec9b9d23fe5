"""Security headers on every response, including a strict Content-Security-Policy."""
from flask import g, request

from webconsole.domain.audit import origin_address, record_refusal

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_app(app):
    @app.before_request
    def remember_origin():
        # Audit entries written while handling this request name the address it came from.
        origin_address.set(request.remote_addr or "")

    @app.after_request
    def audit_refused_writes(response):
        # A change refused for permission (403) or scope (404) by a signed-in user is worth a trace;
        # refused reads are ordinary navigation.
        user = g.get("_login_user")
        if (response.status_code in (403, 404) and request.method not in ("GET", "HEAD", "OPTIONS")
                and user is not None and user.is_authenticated):
            record_refusal("permission" if response.status_code == 403 else "scope", actor=user, details={
                "method": request.method, "path": request.path[:255], "status": response.status_code})
        return response

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        user = g.get("_login_user")
        if (user is not None and user.is_authenticated) or g.get("api_actor") is not None:
            # Signed-in pages, fragments and exports stay out of browser and proxy caches, so they
            # cannot be read back from a shared computer after sign-out.
            headers["Cache-Control"] = "no-store"
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
