"""Errors the domain raises; each door turns them into its own kind of answer.

Every error carries a message safe to show to a person, a stable `code` for programs (the REST API,
the agent, scripts: lower case, dotted by area, never translated) and, when one input caused it, the
`field` naming that input. The browser shows the message beside the field; the JSON doors answer
{"error": {"code", "message", "field"}}. A class gives the code most of its refusals share; a raise
site names a more precise one where a program could act on the difference.
"""


class DomainError(Exception):
    """A rule refused the request: `code` for programs, the message for people, `field` for the input."""

    code = "refused"

    def __init__(self, message="", field=None, code=None):
        super().__init__(message)
        self.field = field
        if code is not None:
            self.code = code

    @property
    def message(self):
        """The message for people, in the request's language (lazy strings are rendered now)."""
        return str(self.args[0]) if self.args else ""

    def as_json(self):
        """The error as the JSON doors answer it: {"code", "message"} and "field" when one input caused it."""
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class NotFound(DomainError):
    """The object does not exist, or is outside the actor's scope (we do not say which)."""

    code = "not_found"


class Forbidden(DomainError):
    """The actor lacks the permission for this action."""

    code = "forbidden"


class ValidationError(DomainError):
    """A value was refused; `field` names the input that caused it."""

    code = "validation.invalid"
