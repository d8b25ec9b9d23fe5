"""The browser's session cookie, and none for the REST API.

API clients authenticate by their Authorization header alone. py42 keeps one cookie jar for every
client in a process (an administrator's and a desktop user's alike), so a cookie set on an API answer,
or read from an API request, could lend one client's identity to another: API paths get an empty
session that is never saved.
"""
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from webconsole.blueprints.code42_api.door import is_api_path


class DoorSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if is_api_path(request.path):
            return SecureCookieSession()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        from flask import request

        if is_api_path(request.path):
            return
        super().save_session(app, session, response)
