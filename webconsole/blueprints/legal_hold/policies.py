"""Preservation policies: what a legal hold preserves on its custodians' devices, and for how long."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from webconsole.blueprints.legal_hold import policies_bp as bp
from webconsole.domain import legal_hold, settings_spec
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import catalog
from webconsole.web.forms import ConfirmForm, Form, apply_error
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec
from webconsole.web.permissions import require

PERMISSION = legal_hold.PERMISSION

POLICY_LIST = ListSpec(
    listing=catalog.PRESERVATION_POLICIES,
    endpoint="policies.index",
    columns=[
        Column("name", _l("Name"), link=("policies.detail", "policy_id"), width=280),
        Column("matters", _l("Matters"), cell="number", numeric=True, width=100),
        Column("created_by_username", _l("Created by"), width=200),
        Column("created_at", _l("Created"), cell="datetime", width=170),
        Column("updated_at", _l("Changed"), cell="datetime", width=170),
    ],
)

register_list_routes(bp, POLICY_LIST, PERMISSION, "legal_hold/policies.html")


def _choices(key):
    return [SelectChoice(str(value), label) for value, label in settings_spec.group("backup").setting(key).choices]


class PolicyForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=legal_hold.NAME_MAX)])
    frequency_minutes = SelectField(_l("Back up changes"), choices=_choices("frequency_minutes"))
    versions_last_week = SelectField(_l("Versions kept for the last week"), choices=_choices("versions_last_week"))
    versions_last_90_days = SelectField(_l("Versions kept for the last 90 days"),
                                        choices=_choices("versions_last_90_days"))
    versions_last_year = SelectField(_l("Versions kept for the last year"), choices=_choices("versions_last_year"))
    versions_older = SelectField(_l("Versions kept beyond a year"), choices=_choices("versions_older"))
    remove_deleted_days = SelectField(_l("Remove deleted files after"), choices=_choices("remove_deleted_days"))
    included_paths = TextAreaField(_l("Folders to preserve"), validators=[Optional()],
                                   description=_l("One folder per line; ~ is the user's home folder."))
    excluded_paths = TextAreaField(_l("Folders left out"), validators=[Optional()],
                                   description=_l("One folder per line, within the folders above."))
    filename_exclusions = TextAreaField(
        _l("File name exclusions"), validators=[Optional()],
        description=_l("One regular expression per line, matched against the whole path. While several holds "
                       "hold a user, only the exclusions their policies share apply."))


def _form_for(policy):
    if policy is None:
        return PolicyForm(formdata=None, included_paths="~",
                          **{k: str(v) for k, v in legal_hold.POLICY_DEFAULTS.items()})
    return PolicyForm(formdata=None, name=policy.name, included_paths="\n".join(policy.included_paths),
                      excluded_paths="\n".join(policy.excluded_paths),
                      filename_exclusions="\n".join(policy.filename_exclusions),
                      **{k: str(v) for k, v in {**legal_hold.POLICY_DEFAULTS, **policy.backup}.items()})


def _page(form, policy=None, status=200):
    matters = legal_hold.matters_using(current_user, policy) if policy is not None else []
    return render_template("legal_hold/policy.html", form=form, policy=policy, matters=matters,
                           confirm=ConfirmForm()), status


def _save(form, change):
    if form.validate_on_submit():
        try:
            return change(request.form.to_dict(flat=False)), None
        except ValidationError as error:
            apply_error(form, error)
    return None, form


@bp.route("/new", methods=["GET", "POST"])
@require(PERMISSION)
def new():
    """A new preservation policy."""
    if request.method == "GET":
        return _page(_form_for(None))
    form = PolicyForm()
    policy, failed = _save(form, lambda values: legal_hold.create_policy(current_user, values))
    if failed is not None:
        return _page(failed, status=422)
    flash(_("Preservation policy “%(name)s” created.", name=policy.name), "success")
    return redirect(url_for("policies.detail", policy_id=policy.id), 303)


@bp.get("/<int:policy_id>")
@require(PERMISSION)
def detail(policy_id):
    """A policy to edit, with the matters that use it."""
    policy = legal_hold.get_policy(current_user, policy_id)
    return _page(_form_for(policy), policy)


@bp.post("/<int:policy_id>")
@require(PERMISSION)
def update(policy_id):
    """Save a policy; the devices it holds take the change with their next heartbeat."""
    policy = legal_hold.get_policy(current_user, policy_id)
    form = PolicyForm()
    _changed, failed = _save(form, lambda values: legal_hold.update_policy(current_user, policy, values))
    if failed is not None:
        return _page(failed, policy, status=422)
    flash(_("Preservation policy saved."), "success")
    return redirect(url_for("policies.detail", policy_id=policy.id), 303)


@bp.route("/<int:policy_id>/delete", methods=["GET", "POST"])
@require(PERMISSION)
def delete(policy_id):
    """Confirm, then delete a policy no matter uses (the refusal names the matters that do)."""
    policy = legal_hold.get_policy(current_user, policy_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            legal_hold.delete_policy(current_user, policy)
        except ValidationError as error:
            flash(str(error), "error")
            return redirect(url_for("policies.detail", policy_id=policy.id), 303)
        flash(_("Preservation policy deleted."), "success")
        return redirect(url_for("policies.index"), 303)
    return render_template("legal_hold/confirm_delete_policy.html", policy=policy, form=form,
                           matters=legal_hold.matters_using(current_user, policy))
