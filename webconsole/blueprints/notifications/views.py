"""The toolbar's bell: the alerts an investigator has not read yet, loaded after the page."""
from flask import redirect, render_template, request, url_for
from flask_login import current_user

from webconsole.blueprints.notifications import bp
from webconsole.domain import notifications
from webconsole.web import labels
from webconsole.web.forms import ConfirmForm
from webconsole.web.htmx import current_url, is_partial
from webconsole.web.permissions import require
from webconsole.web.urls import local_path


def _bell():
    count, latest = notifications.unread(current_user)
    page = current_url()
    return render_template("notifications/_bell.html", count=count, latest=latest,
                           bound=notifications.UNREAD_BOUND, severities=labels.SEVERITIES,
                           confirm=ConfirmForm(), next_path=page.path if page else "")


@bp.get("/bell")
@require("alerts.manage")
def bell():
    """The bell with the number of unread alerts and the newest of them."""
    if not is_partial():
        return redirect(url_for("home.index"))
    return _bell()


@bp.post("/read")
@require("alerts.manage")
def mark_read():
    """Count every alert so far as read; the bell again (or the page the request came from)."""
    if ConfirmForm().validate_on_submit():
        notifications.mark_all_read(current_user)
    if is_partial():
        return _bell()
    return redirect(local_path(request.form.get("next")) or url_for("home.index"), 303)
