"""Legal hold matters: their custodians, their history and their collections."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from webconsole.blueprints.jobs.views import STATES as JOB_STATES
from webconsole.blueprints.legal_hold import bp
from webconsole.domain import collections, legal_hold, watchlists
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import catalog
from webconsole.domain.users import get_user
from webconsole.web.forms import ConfirmForm, Form, apply_error, handle_form
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec
from webconsole.web.permissions import require

PERMISSION = legal_hold.PERMISSION
STATUSES = {"active": _l("Active"), "inactive": _l("Inactive")}
MEMBERSHIP = {True: _l("Active"), False: _l("Removed")}
EVENTS = {
    "HoldCreated": _l("Matter created"), "HoldDeactivated": _l("Matter deactivated"),
    "HoldReactivated": _l("Matter reactivated"), "MembershipCreated": _l("Custodian added"),
    "MembershipDeactivated": _l("Custodian removed"), "MembershipReactivated": _l("Custodian reactivated"),
    "Collection": _l("Collected"),
}

MATTER_LIST = ListSpec(
    listing=catalog.MATTERS,
    endpoint="matters.index",
    choice_labels={"status": STATUSES},
    columns=[
        Column("name", _l("Name"), link=("matters.detail", "matter_id"), width=280),
        Column("created_by_username", _l("Created by"), width=200),
        Column("created_at", _l("Created"), cell="datetime", width=170),
        Column("status", _l("Status"), labels=STATUSES, width=110),
        Column("custodian_count", _l("Custodians"), cell="number", numeric=True, width=120),
        Column("reference", _l("Reference"), width=180),
    ],
)

register_list_routes(bp, MATTER_LIST, PERMISSION, "legal_hold/matters.html")


def _custodians_context(actor, params):
    return {"matter": legal_hold.get_matter(actor, params.filters.get("matter"))}


CUSTODIAN_LIST = ListSpec(
    listing=catalog.CUSTODIANS,
    endpoint="matters.custodians",
    page_context=_custodians_context,
    choice_labels={"state": {"active": _l("Active"), "removed": _l("Removed")}},
    columns=[
        Column("custodian", _l("Select"), cell="select", width=64, select=(), exported=False),
        Column("username", _l("Username"), width=210),
        Column("name", _l("Name"), width=170),
        Column("org_name", _l("Organization"), width=150),
        Column("active", _l("Membership"), labels=MEMBERSHIP, width=110),
        Column("created_at", _l("Added"), cell="datetime", width=165),
        Column("updated_at", _l("Changed"), cell="datetime", width=165),
    ],
)

register_list_routes(bp, CUSTODIAN_LIST, PERMISSION, "legal_hold/custodians.html", url="/custodians/")


class MatterForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=legal_hold.NAME_MAX)])
    policy = SelectField(_l("Preservation policy"), choices=[], validate_choice=False)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=legal_hold.TEXT_MAX)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=legal_hold.TEXT_MAX)])
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=legal_hold.REFERENCE_MAX)],
                            description=_l("The matter's number or name in your legal team's own records."))


class CollectForm(Form):
    custodian = SelectField(_l("Custodians"), choices=[], validate_choice=False)
    date_from = StringField(_l("From"), validators=[Optional()])
    date_to = StringField(_l("To"), validators=[Optional()])


def _policy_choices(form):
    form.policy.choices = [SelectChoice("", _("Choose a policy")),
                           *[SelectChoice(str(i), name) for i, name in legal_hold.policies()]]
    return form


def _new_page(form, status=200):
    return render_template("legal_hold/new.html", form=_policy_choices(form),
                           has_policies=bool(legal_hold.policies())), status


@bp.route("/new", methods=["GET", "POST"])
@require(PERMISSION)
def new():
    """A new matter: its name and the preservation policy it holds by (there must be one first)."""
    if request.method == "GET":
        return _new_page(MatterForm(formdata=None))
    return handle_form(MatterForm(), lambda f: legal_hold.create_matter(
        current_user, name=f.name.data, policy_id=f.policy.data, description=f.description.data,
        notes=f.notes.data, reference=f.reference.data),
        lambda matter: _("Matter “%(name)s” created. Add its custodians.", name=matter.name),
        lambda matter: url_for("matters.detail", matter_id=matter.id), lambda f: _new_page(f, 422))


def _detail(matter, form=None, collect=None, status=200):
    form = _policy_choices(form or MatterForm(formdata=None, obj=matter, policy=str(matter.policy_id)))
    collect = collect or CollectForm(formdata=None)
    collect.custodian.choices = [SelectChoice("", _("Every active custodian")),
                                 *[SelectChoice(str(i), name) for i, name in collections.collection_choices(matter)]]
    policy = legal_hold.get_policy(current_user, matter.policy_id)
    return render_template("legal_hold/matter.html", matter=matter, form=form, collect=collect, policy=policy,
                           confirm=ConfirmForm(), statuses=STATUSES, events=EVENTS, job_states=JOB_STATES,
                           history=legal_hold.history(matter=matter),
                           collections=collections.collections_of(matter)), status


@bp.get("/<int:matter_id>")
@require(PERMISSION)
def detail(matter_id):
    """A matter: its details to edit, its status, its custodians, collections and history."""
    return _detail(legal_hold.get_matter(current_user, matter_id))


@bp.post("/<int:matter_id>")
@require(PERMISSION)
def update(matter_id):
    """Save a matter's name, policy, description, notes and reference."""
    matter = legal_hold.get_matter(current_user, matter_id)
    return handle_form(MatterForm(), lambda f: legal_hold.update_matter(
        current_user, matter, name=f.name.data, policy_id=f.policy.data, description=f.description.data,
        notes=f.notes.data, reference=f.reference.data), _("Matter saved."),
        url_for("matters.detail", matter_id=matter.id), lambda f: _detail(matter, form=f, status=422))


@bp.route("/<int:matter_id>/status", methods=["GET", "POST"])
@require(PERMISSION)
def set_status(matter_id):
    """Confirm, stating the effect on the custodians, then deactivate or reactivate a matter."""
    matter = legal_hold.get_matter(current_user, matter_id)
    active = matter.status != "active"
    form = ConfirmForm()
    if form.validate_on_submit():
        legal_hold.set_matter_active(current_user, matter, active)
        flash(_("Matter reactivated: its custodians are held again.") if active else
              _("Matter deactivated: it no longer holds its custodians."), "success")
        return redirect(url_for("matters.detail", matter_id=matter.id), 303)
    return render_template("legal_hold/confirm_status.html", matter=matter, form=form, active=active,
                           effect=legal_hold.status_effect(matter))


@bp.get("/candidates")
@require(PERMISSION)
def candidates():
    """Search as you type: users in scope matching the text, after those already chosen (kept checked)."""
    chosen = watchlists.users_by_id(current_user, request.args.getlist("user_ids")[:legal_hold.ADD_MAX], PERMISSION)
    taken = {u.id for u in chosen}
    found = [u for u in watchlists.pick_users(current_user, request.args.get("q", ""), PERMISSION)
             if u.id not in taken]
    return render_template("_partials/user_candidates.html", chosen=chosen, found=found)


@bp.route("/<int:matter_id>/custodians/add", methods=["GET", "POST"])
@require(PERMISSION)
def add_custodians(matter_id):
    """Add users as custodians: several chosen by searching as you type."""
    matter = legal_hold.get_matter(current_user, matter_id)
    form = ConfirmForm()
    picked = request.values.getlist("user_ids")[:legal_hold.ADD_MAX]
    chosen = watchlists.users_by_id(current_user, picked, PERMISSION)
    if request.method == "POST" and form.validate_on_submit():
        try:
            added = legal_hold.add_custodians(current_user, matter, picked)
        except ValidationError as error:
            apply_error(form, error)
        else:
            flash(_("Custodians added: %(names)s.", names=", ".join(u.username for u in added)), "success")
            return redirect(url_for("matters.detail", matter_id=matter.id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("legal_hold/add_custodians.html", matter=matter, form=form, chosen=chosen,
                           found=[]), status


@bp.post("/<int:matter_id>/custodians/state")
@require(PERMISSION)
def custodians_state(matter_id):
    """Remove or reactivate the selected custodians."""
    matter = legal_hold.get_matter(current_user, matter_id)
    active = request.form.get("state") == "active"
    if ConfirmForm().validate_on_submit():
        try:
            changed = legal_hold.set_custodians_active(current_user, matter, request.form.getlist("custodian"), active)
        except ValidationError as error:
            flash(str(error), "error")
        else:
            if changed:
                flash((_("Custodians reactivated: %(names)s.") if active else
                       _("Custodians removed: %(names)s.")) % {"names": ", ".join(changed)}, "success")
            else:
                flash(_("Nothing changed: the selected custodians were already so."), "info")
    return redirect(url_for("matters.detail", matter_id=matter.id), 303)


@bp.post("/<int:matter_id>/collect")
@require(PERMISSION)
def collect(matter_id):
    """Collect one custodian or all of them, for an optional date range, in a job."""
    matter = legal_hold.get_matter(current_user, matter_id)
    form = CollectForm()
    if form.validate_on_submit():
        try:
            collection = collections.start_collection(current_user, matter, user_id=form.custodian.data,
                                                     date_from=form.date_from.data, date_to=form.date_to.data)
        except ValidationError as error:
            apply_error(form, error)
        else:
            return redirect(url_for("jobs.show", job_id=collection.job_id), 303)
    return _detail(matter, collect=form, status=422)


@bp.get("/users/<int:user_id>")
@require(PERMISSION)
def user_holds(user_id):
    """A user's legal holds and their history (a fragment of the user's page)."""
    user = get_user(current_user, user_id, PERMISSION)
    return render_template("legal_hold/_user_holds.html", person=user, events=EVENTS, statuses=STATUSES,
                           memberships=legal_hold.memberships_of(current_user, user),
                           history=legal_hold.history(user=user, limit=50))
