"""Identity Management > Single sign-on: the OpenID Connect providers that chosen orgs sign in through."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from webconsole.blueprints.identity import sso_bp as bp
from webconsole.domain import sso_providers
from webconsole.domain.errors import ValidationError
from webconsole.domain.permissions import role_label
from webconsole.web.forms import ConfirmForm, Form, MultiCheckboxField, handle_form
from webconsole.web.org_picker import org_options
from webconsole.web.permissions import require

PERMISSION = sso_providers.PERMISSION


class ProviderForm(Form):
    name = StringField(_l("Name"), validators=[Length(max=sso_providers.NAME_MAX)],
                       description=_l("Shown on the sign-in page: “Sign in with NAME”."))
    issuer = StringField(_l("Issuer URL"), validators=[Length(max=sso_providers.ISSUER_MAX)])
    client_id = StringField(_l("Client ID"), validators=[Length(max=sso_providers.CLIENT_ID_MAX)])
    client_secret = PasswordField(_l("Client secret"), validators=[Length(max=sso_providers.SECRET_MAX)])
    scopes = StringField(_l("Scopes"), default=sso_providers.DEFAULT_SCOPES, validators=[Length(max=255)])
    username_claim = StringField(_l("Username claim"), default="email", validators=[Length(max=100)])
    org_ids = MultiCheckboxField(_l("Organizations"), choices=[], validate_choice=False)
    jit_enabled = BooleanField(_l("Create users on their first sign-in"))
    jit_org_id = SelectField(_l("Organization of new users"), choices=[], validate_choice=False)
    jit_role_id = SelectField(_l("Role of new users"), choices=[], validate_choice=False)


def _form_page(form, provider=None, status=200, discovery=None):
    orgs = sso_providers.org_choices(current_user)
    form.org_ids.choices = org_options(orgs)
    form.jit_org_id.choices = org_options(orgs, blank="—")
    form.jit_role_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(r.id), str(role_label(r))) for r in sso_providers.role_choices(current_user)]
    return render_template("identity/sso_form.html", form=form, provider=provider, discovery=discovery,
                           confirm=ConfirmForm(), callback_url=url_for("sso.callback", _external=True)), status


def _provider_form(provider):
    """The form showing a stored provider (never its secret)."""
    return ProviderForm(formdata=None, name=provider.name, issuer=provider.issuer, client_id=provider.client_id,
                        scopes=provider.scopes, username_claim=provider.username_claim,
                        org_ids=[str(o.id) for o in provider.orgs], jit_enabled=provider.jit_enabled,
                        jit_org_id=str(provider.jit_org_id or ""), jit_role_id=str(provider.jit_role_id or ""))


def _save(provider):
    def action(form):
        return sso_providers.save_provider(
            current_user, provider, name=form.name.data, issuer=form.issuer.data, client_id=form.client_id.data,
            client_secret=form.client_secret.data, scopes=form.scopes.data, username_claim=form.username_claim.data,
            org_ids=form.org_ids.data or [], jit_enabled=form.jit_enabled.data, jit_org_id=form.jit_org_id.data,
            jit_role_id=form.jit_role_id.data)
    return action


@bp.get("/")
@require(PERMISSION)
def index():
    """The identity providers, with their organizations and whether they are enabled."""
    return render_template("identity/sso_index.html", providers=sso_providers.providers(current_user),
                           callback_url=url_for("sso.callback", _external=True))


@bp.route("/new", methods=["GET", "POST"])
@require(PERMISSION)
def new():
    """A new provider, disabled until it is enabled on its page."""
    form = ProviderForm(formdata=None) if request.method == "GET" else ProviderForm()
    return handle_form(form, _save(None), lambda p: _("Identity provider “%(name)s” saved.", name=p.name),
                       lambda p: url_for("single_sign_on.edit", provider_id=p.id),
                       lambda f: _form_page(f, status=422))


@bp.route("/<int:provider_id>", methods=["GET", "POST"])
@require(PERMISSION)
def edit(provider_id):
    """A provider's settings (its secret is never shown), enabling it, testing discovery, deleting it."""
    provider = sso_providers.get_provider(current_user, provider_id)
    if request.method == "GET":
        return _form_page(_provider_form(provider), provider)
    return handle_form(ProviderForm(), _save(provider), lambda p: _("Identity provider “%(name)s” saved.", name=p.name),
                       url_for("single_sign_on.edit", provider_id=provider.id),
                       lambda f: _form_page(f, provider, 422))


@bp.post("/<int:provider_id>/enabled")
@require(PERMISSION)
def set_enabled(provider_id):
    """Enable or disable a provider (enabled=1 or 0)."""
    provider = sso_providers.get_provider(current_user, provider_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            sso_providers.set_enabled(current_user, provider, request.form.get("enabled") == "1")
        except ValidationError as refused:
            flash(str(refused), "error")
    return redirect(url_for("single_sign_on.edit", provider_id=provider.id), 303)


@bp.post("/<int:provider_id>/discovery")
@require(PERMISSION)
def discovery(provider_id):
    """Read the provider's /.well-known/openid-configuration now and show what it says, or why not."""
    provider = sso_providers.get_provider(current_user, provider_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("single_sign_on.edit", provider_id=provider.id), 303)
    ok, found = sso_providers.test_discovery(current_user, provider)
    return _form_page(_provider_form(provider), provider, 200 if ok else 422, discovery={"ok": ok, "found": found})


@bp.route("/<int:provider_id>/delete", methods=["GET", "POST"])
@require(PERMISSION)
def delete(provider_id):
    """Confirm, then delete a provider: its organizations' users sign in with passwords again."""
    provider = sso_providers.get_provider(current_user, provider_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        sso_providers.delete_provider(current_user, provider)
        flash(_("Identity provider “%(name)s” deleted.", name=provider.name), "success")
        return redirect(url_for("single_sign_on.index"), 303)
    return render_template("identity/sso_delete.html", provider=provider, form=form)
