"""Cases: open one from an alert, a user or selected search results; work on it; export it as a zip."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from webconsole.blueprints.cases import bp
from webconsole.domain import cases
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import catalog
from webconsole.domain.values import parse_id
from webconsole.jobs import cases as case_jobs
from webconsole.web.forms import ConfirmForm, Form, handle_form
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec
from webconsole.web.permissions import require

STATUSES = {"open": _l("Open"), "closed": _l("Closed")}
SELECTION_ARGS = ("event",)  # the checkboxes of Forensic Search's rows


class CaseForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=cases.NAME_MAX)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=cases.TEXT_MAX)])
    assignee = SelectField(_l("Assignee"), choices=[], validate_choice=False)


class NewCaseForm(CaseForm):
    subject = StringField(_l("Subject (username)"), validators=[DataRequired(), Length(max=255)])
    alert = HiddenField()


class EditCaseForm(CaseForm):
    findings = TextAreaField(_l("Findings"), validators=[Optional(), Length(max=cases.TEXT_MAX)])


def _assignee_choices(actor, chosen):
    return [("", _("Unassigned")), *cases.assignee_choices(actor, chosen=chosen)]


CASE_LIST = ListSpec(
    listing=catalog.CASES,
    endpoint="cases.index",
    choice_labels={"status": STATUSES, "assignee": {}},
    columns=[
        Column("name", _l("Name"), link=("cases.detail", "case_id"), width=260),
        Column("subject_username", _l("Subject"), width=220),
        Column("assignee", _l("Assignee"), width=200),
        Column("status", _l("Status"), labels=STATUSES, width=110),
        Column("created_at", _l("Opened"), cell="datetime", width=170),
        Column("updated_at", _l("Updated"), cell="datetime", width=170),
    ],
)

register_list_routes(bp, CASE_LIST, "cases.manage", "cases/index.html")


def _selected_events():
    """The event ids POSTed from a selection (bounded); a 400 for a value that is not one."""
    try:
        return cases.event_ids(request.form.getlist("event")[:cases.EVENTS_MAX + 1])
    except ValidationError as error:
        abort(400, description=str(error))


def _new_page(form, defaults, status=200):
    form.assignee.choices = _assignee_choices(current_user, form.assignee.data)
    return render_template("cases/new.html", form=form, events=defaults["events"], alert=defaults["alert"]), status


@bp.route("/new", methods=["GET", "POST"])
@require("cases.manage")
def new():
    """The form of a new case, from an alert (?alert=), a user (?user=) or POSTed selected events;
    POSTed with a name, it opens the case."""
    if request.method == "GET" or "name" not in request.form:
        args = request.args
        defaults = cases.defaults_from(current_user, alert_id=args.get("alert"), user_id=args.get("user"),
                                       selected=_selected_events() if request.method == "POST" else ())
        if request.method == "POST" and not defaults["events"]:
            flash(_("Select the events to open a case with."), "error")
            return redirect(request.referrer if _same_site(request.referrer) else url_for("forensics.index"), 303)
        alert = defaults["alert"]
        form = NewCaseForm(formdata=None, name=defaults["name"], subject=defaults["subject"],
                           alert=str(alert.id) if alert is not None else "")
        return _new_page(form, defaults)
    form = NewCaseForm()
    ids = _selected_events()
    alert_id = parse_id(form.alert.data) if form.alert.data else None
    defaults = {"events": cases.reachable_events(current_user, ids), "alert": None}
    return handle_form(form, lambda f: cases.create_case(
        current_user, name=f.name.data, subject=f.subject.data, description=f.description.data,
        assignee_id=f.assignee.data, events=defaults["events"], alert_id=alert_id),
        lambda case: _("Case “%(name)s” opened.", name=case.name),
        lambda case: url_for("cases.detail", case_id=case.id),
        lambda f: _new_page(f, defaults, 422))


def _same_site(url):
    return bool(url) and url.startswith(request.host_url)


def _detail(case, form=None, status=200):
    form = form or EditCaseForm(formdata=None, obj=case, assignee=str(case.assignee_id or ""))
    form.assignee.choices = [("", _("Unassigned")), *cases.assignee_choices(
        current_user, org=cases.org_of(case), chosen=form.assignee.data)]
    return render_template("cases/detail.html", case=case, form=form, confirm=ConfirmForm(), statuses=STATUSES,
                           events=cases.case_events(case, limit=cases.EVENTS_MAX),
                           attached=cases.event_count(case), **cases.people(case)), status


@bp.get("/<int:case_id>")
@require("cases.manage")
def detail(case_id):
    """A case: its details and findings to edit, its status, its events."""
    return _detail(cases.get_case(current_user, case_id))


@bp.post("/<int:case_id>")
@require("cases.manage")
def update(case_id):
    """Save a case's name, description, assignee and findings."""
    case = cases.get_case(current_user, case_id)
    return handle_form(EditCaseForm(), lambda f: cases.update_case(
        current_user, case, name=f.name.data, description=f.description.data, assignee_id=f.assignee.data,
        findings=f.findings.data), _("Case saved."), url_for("cases.detail", case_id=case.id),
        lambda f: _detail(case, form=f, status=422))


@bp.post("/<int:case_id>/status")
@require("cases.manage")
def set_status(case_id):
    """Close or reopen a case."""
    case = cases.get_case(current_user, case_id)
    status = request.form.get("status", "")
    if ConfirmForm().validate_on_submit():
        try:
            cases.set_status(current_user, case, status)
        except ValidationError as error:
            flash(str(error), "error")
        else:
            flash(_("Case closed.") if status == "closed" else _("Case reopened."), "success")
    return redirect(url_for("cases.detail", case_id=case.id), 303)


@bp.post("/events")
@require("cases.manage")
def add_selected():
    """Attach events selected in Forensic Search to the case chosen beside them."""
    case = cases.get_case(current_user, request.form.get("case", ""))
    return _change_events(case, cases.add_events, lambda n: _("%(n)d events added to the case.", n=n))


@bp.post("/<int:case_id>/events/remove")
@require("cases.manage")
def remove_events(case_id):
    """Detach the checked events from a case."""
    case = cases.get_case(current_user, case_id)
    return _change_events(case, cases.remove_events, lambda n: _("%(n)d events removed from the case.", n=n))


def _change_events(case, change, done):
    ids = _selected_events()
    if ConfirmForm().validate_on_submit():
        try:
            n = change(current_user, case, ids)
        except ValidationError as error:
            flash(str(error), "error")
        else:
            flash(done(n), "success")
    return redirect(url_for("cases.detail", case_id=case.id), 303)


@bp.post("/<int:case_id>/export")
@require("cases.manage")
def export(case_id):
    """Export a case as a zip (its events as CSV and JSON, its findings, a manifest) in a job."""
    case = cases.get_case(current_user, case_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    job = case_jobs.start(current_user, case)
    return redirect(url_for("jobs.show", job_id=job.id), 303)
