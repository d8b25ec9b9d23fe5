"""CSRF tokens masked afresh in every response, so that compressing pages does not leak them (BREACH).

Pages are compressed on the way out (web/compression.py), and a page can echo what a request put in
it (a search). An attacker who can make a victim's browser send many such requests and watch the
compressed sizes could guess a secret that is the same in every page, byte by byte. The CSRF token is
that secret; Flask-WTF's token carries the same session value in every page. So every time a token is
written into a page it is masked with a fresh random pad (as Django does), and unmasked when a request
brings it back. A token that is not masked (it holds Flask-WTF's dots) is taken as it is.
"""
import base64
import binascii
import secrets

from flask_wtf.csrf import CSRFProtect, _FlaskFormCSRF, generate_csrf


def mask(token):
    """`token` XORed with a random pad of its length, the pad in front: different in every call."""
    raw = token.encode("ascii")
    pad = secrets.token_bytes(len(raw))
    masked = bytes(a ^ b for a, b in zip(pad, raw, strict=True))
    return base64.urlsafe_b64encode(pad + masked).decode("ascii").rstrip("=")


def unmask(value):
    """The token that `mask` hid in `value`; `value` itself when it is not a masked token."""
    if not value or "." in value or not value.isascii():
        return value
    try:
        data = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return value
    half = len(data) // 2
    if not half or len(data) % 2:
        return value
    raw = bytes(a ^ b for a, b in zip(data[:half], data[half:], strict=True))
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        return value


def masked_csrf_token():
    """The `csrf_token()` of templates: this session's token, masked for this page."""
    return mask(generate_csrf())


class MaskedCSRFProtect(CSRFProtect):
    """Flask-WTF's protection of every unsafe request, reading masked tokens from forms and headers."""

    def init_app(self, app):
        super().init_app(app)  # offers csrf_token() as a global and in a context processor: both replaced
        app.jinja_env.globals["csrf_token"] = masked_csrf_token
        app.context_processor(lambda: {"csrf_token": masked_csrf_token})

    def _get_csrf_token(self):
        return unmask(super()._get_csrf_token())


class MaskedFormCSRF(_FlaskFormCSRF):
    """A form's hidden token field, masked like the rest (CSRFProtect has validated the request already)."""

    def generate_csrf_token(self, csrf_token_field):
        return mask(super().generate_csrf_token(csrf_token_field))

    def validate_csrf_token(self, form, field):
        field.data = unmask(field.data)
        super().validate_csrf_token(form, field)
