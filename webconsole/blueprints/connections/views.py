"""Data Connections: cloud services and webhooks that bring file events in, each with its own URL and token."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from webconsole.blueprints.connections import bp
from webconsole.domain import connections
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import catalog
from webconsole.web.forms import ConfirmForm, Form, apply_error, handle_form
from webconsole.web.htmx import is_partial
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec
from webconsole.web.permissions import require


class ConnectionForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=1000)])


class NewConnectionForm(ConnectionForm):
    kind = RadioField(_l("Kind"), validators=[DataRequired()],
                      choices=[SelectChoice(key, kind.label) for key, kind in connections.KINDS.items()])


CONNECTION_LIST = ListSpec(
    listing=catalog.CONNECTIONS,
    endpoint="connections.index",
    columns=[
        Column("name", _l("Name"), link=("connections.detail", "connection_id"), width=220),
        Column("kind", _l("Kind"), cell="connection_kind", width=170),
        Column("status", _l("Status"), cell="status", width=110),
        Column("last_event_at", _l("Last event"), cell="datetime", width=165),
        Column("events_received", _l("Events received"), cell="number", numeric=True, width=130),
        Column("events_rejected", _l("Events rejected"), cell="number", numeric=True, width=130),
        Column("created_at", _l("Added"), cell="datetime", width=165),
    ],
)

register_list_routes(bp, CONNECTION_LIST, "connections.manage", "connections/index.html")


@bp.get("/new")
@require("connections.manage")
def new():
    """The form for a new connection."""
    return render_template("connections/new.html", form=NewConnectionForm(kind="webhook"), kinds=connections.KINDS)


@bp.post("/new")
@require("connections.manage")
def create():
    """Add a connection and show its token, once."""
    form = NewConnectionForm()
    if form.validate_on_submit():
        try:
            connection, token = connections.create_connection(
                current_user, name=form.name.data, kind=form.kind.data, description=form.description.data)
        except ValidationError as error:
            apply_error(form, error)
        else:
            # Not a redirect: the token is in this answer only, never in a URL, a cookie or the database.
            return _detail(connection, token=token, status=201)
    return render_template("connections/new.html", form=form, kinds=connections.KINDS), 422


def _detail(connection, form=None, token=None, status=200):
    form = form or ConnectionForm(obj=connection)
    return render_template("connections/detail.html", connection=connection, kind=connections.KINDS[connection.kind],
                           errors=connections.recent_errors(connection), form=form, confirm=ConfirmForm(),
                           token=token, ingest_url=_ingest_url(connection)), status


def _ingest_url(connection):
    return url_for("ingest.events", key=connection.key, _external=True)


@bp.get("/<int:connection_id>")
@require("connections.manage")
def detail(connection_id):
    """A connection: its URL, status, counts and last errors, with what can be changed."""
    return _detail(connections.get_connection(connection_id))


@bp.post("/<int:connection_id>")
@require("connections.manage")
def update(connection_id):
    """Rename a connection or change its description."""
    connection = connections.get_connection(connection_id)
    return handle_form(ConnectionForm(), lambda f: connections.update_connection(
        current_user, connection, name=f.name.data, description=f.description.data),
        _("Data connection saved."), url_for("connections.detail", connection_id=connection.id),
        lambda f: _detail(connection, form=f, status=422))


@bp.post("/<int:connection_id>/pause")
@require("connections.manage")
def pause(connection_id):
    """Pause a connection: its senders are refused until it is resumed."""
    return _change(connection_id, lambda c: connections.set_paused(current_user, c, True),
                   _("Data connection paused. Events sent to it are refused until you resume it."))


@bp.post("/<int:connection_id>/resume")
@require("connections.manage")
def resume(connection_id):
    """Resume a paused connection."""
    return _change(connection_id, lambda c: connections.set_paused(current_user, c, False),
                   _("Data connection resumed."))


@bp.get("/<int:connection_id>/remove")
@require("connections.manage")
def confirm_remove(connection_id):
    """Ask before removing a connection: it cannot be undone."""
    return render_template("connections/remove.html", connection=connections.get_connection(connection_id),
                           confirm=ConfirmForm())


@bp.post("/<int:connection_id>/remove")
@require("connections.manage")
def remove(connection_id):
    """Remove a connection for good; the events it brought stay searchable."""
    connection = connections.get_connection(connection_id)
    _change(connection_id, lambda c: connections.remove_connection(current_user, c),
            _("Data connection “%(name)s” removed. The events it brought in stay searchable.", name=connection.name))
    return redirect(url_for("connections.index"))


def _change(connection_id, action, done):
    connection = connections.get_connection(connection_id)
    try:
        action(connection)
    except ValidationError as error:
        flash(str(error), "error")
    else:
        flash(done, "success")
    return redirect(url_for("connections.detail", connection_id=connection.id))


@bp.post("/<int:connection_id>/token")
@require("connections.manage")
def rotate(connection_id):
    """Replace the connection's token and show the new one, once."""
    connection = connections.get_connection(connection_id)
    try:
        token = connections.rotate_token(current_user, connection)
    except ValidationError as error:
        flash(str(error), "error")
        return redirect(url_for("connections.detail", connection_id=connection.id))
    if is_partial():
        return render_template("connections/_token.html", connection=connection, token=token,
                               ingest_url=_ingest_url(connection), confirm=ConfirmForm())
    return _detail(connection, token=token)
