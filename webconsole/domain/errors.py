"""Errors the domain raises; each door turns them into its own kind of answer."""


class DomainError(Exception):
    """A rule refused the request; the message is safe to show to the user."""


class NotFound(DomainError):
    """The object does not exist, or is outside the actor's scope (we do not say which)."""


class Forbidden(DomainError):
    """The actor lacks the permission for this action."""


class ValidationError(DomainError):
    """A value was refused; `field` names the input that caused it."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field
