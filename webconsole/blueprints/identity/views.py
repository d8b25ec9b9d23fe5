"""Identity Management: API clients, the programs that call the REST API with their own roles."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from webconsole.blueprints.identity import bp
from webconsole.domain import api_clients
from webconsole.domain.listings import catalog
from webconsole.domain.org_tree import org_tree
from webconsole.domain.permissions import role_label
from webconsole.web.forms import ConfirmForm, Form, handle_form
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec
from webconsole.web.org_picker import org_options
from webconsole.web.permissions import require

PERMISSION = api_clients.PERMISSION
STATES = {"active": _l("Active"), "revoked": _l("Revoked")}

CLIENT_LIST = ListSpec(
    listing=catalog.API_CLIENTS,
    endpoint="identity.index",
    choice_labels={"state": STATES},
    columns=[
        Column("name", _l("Name"), link=("identity.detail", "client_id"), width=150),
        Column("client_id", _l("Client ID"), cell="code", width=190),
        Column("org_name", _l("Organization"), width=130),
        Column("created_by_username", _l("Created by"), width=140),
        Column("created_at", _l("Created"), cell="datetime", width=165),
        Column("last_used_at", _l("Last used"), cell="datetime", width=165),
        Column("revoked_at", _l("Revoked"), cell="datetime", width=165),
    ],
)

register_list_routes(bp, CLIENT_LIST, PERMISSION, "identity/index.html", url="/api-clients/")


class ClientForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=api_clients.NAME_MAX)])
    org_id = SelectField(_l("Organization"), choices=[], validate_choice=False,
                         description=_l("Roles that reach an organization and those below it reach from here."))
    role_ids = SelectMultipleField(_l("Roles"), choices=[], validate_choice=False,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


def _form_page(form, status=200):
    form.org_id.choices = org_options(org_tree(current_user, "users.edit", active_only=True))
    form.role_ids.choices = [SelectChoice(str(i), str(role_label(r))) for i, r in
                             api_clients.role_choices(current_user)]
    return render_template("identity/new.html", form=form), status


@bp.route("/api-clients/new", methods=["GET", "POST"])
@require(PERMISSION)
def new():
    """A new API client: its name, organization and roles; its secret is shown once."""
    if request.method == "GET":
        return _form_page(ClientForm(formdata=None, org_id=str(current_user.org_id)))
    form = ClientForm()
    created = {}

    def create(f):
        client, secret = api_clients.create_client(current_user, name=f.name.data, org_id=f.org_id.data,
                                                   role_ids=f.role_ids.data or [])
        created.update(client=client, secret=secret)
        return client

    answer = handle_form(form, create, lambda client: _("API client “%(name)s” created.", name=client.name),
                         lambda client: "", lambda f: _form_page(f, 422))
    if not created:
        return answer
    # The secret is shown on this answer only, never stored: no redirect to a page that could show it again.
    response = render_template("identity/created.html", client=created["client"], secret=created["secret"])
    return response, 201, {"Cache-Control": "no-store"}


@bp.get("/api-clients/<int:client_id>")
@require(PERMISSION)
def detail(client_id):
    """An API client: its roles, when it was last used, and revoking it."""
    client = api_clients.get_client(current_user, client_id)
    return render_template("identity/detail.html", client=client, confirm=ConfirmForm())


@bp.route("/api-clients/<int:client_id>/revoke", methods=["GET", "POST"])
@require(PERMISSION)
def revoke(client_id):
    """Confirm, then revoke a client: its secret and its tokens stop working at once."""
    client = api_clients.get_client(current_user, client_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        api_clients.revoke(current_user, client)
        flash(_("API client “%(name)s” revoked.", name=client.name), "success")
        return redirect(url_for("identity.detail", client_id=client.id), 303)
    return render_template("identity/confirm_revoke.html", client=client, form=form)
