"""The colour theme: the cookie first, then the account's choice, else the system's (prefers-color-scheme).

Kept like the language: choosing one in the Account menu sets a cookie and remembers it on the
account, so a new browser starts with it. "system" sets no attribute on <html>; the stylesheet's
light-dark() colours then follow the device.
"""
from flask import g, has_request_context, request

from webconsole.domain.account import THEMES

COOKIE = "theme"


def valid_theme(value):
    """`value` if it is one of the themes, else None."""
    return value if value in THEMES else None


def current_theme():
    """"system", "light" or "dark" for this request."""
    if not has_request_context():
        return "system"
    user = g.get("_login_user")
    return (
        valid_theme(request.cookies.get(COOKIE))
        or (user.theme if user is not None and user.is_authenticated and valid_theme(user.theme) else None)
        or "system"
    )


def html_theme():
    """The value of <html data-theme>, or None to follow the system."""
    theme = current_theme()
    return None if theme == "system" else theme
