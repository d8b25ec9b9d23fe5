"""Route guards: every view declares a permission, `signed_in`, or `public`."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from webconsole.domain.scope import permissions_of


def require(permission):
    """Allow the view only to signed-in users holding `permission`."""
    def decorator(view):
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if permission not in permissions_of(current_user):
                abort(403)
            return view(*args, **kwargs)

        guarded.permission = permission
        return guarded

    return decorator


def signed_in(view):
    """Allow the view to any signed-in user (their own profile, preferences, help)."""
    guarded = login_required(view)
    guarded.permission = "signed_in"
    return guarded


def public(view):
    """Allow the view without signing in (sign-in page, language choice, static assets)."""
    view.permission = "public"
    return view


def can(permission):
    """For templates: does the current user hold `permission`?"""
    return permission in permissions_of(current_user)
