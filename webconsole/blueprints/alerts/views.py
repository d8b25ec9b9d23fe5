"""Alerts: the list to triage, an alert's page (why it fired, its events, notes, assignee, history) and
the changes of triage, one alert at a time or in bulk."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice

from webconsole.blueprints.alerts import bp
from webconsole.domain import alerts, jobs
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import catalog
from webconsole.jobs.alerts import BULK_KIND
from webconsole.web import labels
from webconsole.web.alert_text import why
from webconsole.web.forms import Form, apply_error
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import CHOICE_LABELS, Column, ListSpec, url_args
from webconsole.web.permissions import require

PERMISSION = alerts.PERMISSION


class StateForm(Form):
    state = SelectField(_l("State"), choices=[SelectChoice(k, v) for k, v in labels.ALERT_STATES.items()],
                        validate_choice=False)
    note = TextAreaField(_l("Note (required to resolve)"))


class AssignForm(Form):
    assignee = SelectField(_l("Assignee"), choices=[], validate_choice=False)


class NoteForm(Form):
    note = TextAreaField(_l("Note"))


class BulkForm(Form):
    # Not "state": the list's own state filter travels with the form.
    new_state = SelectField(_l("New state"), choices=[SelectChoice(k, v) for k, v in labels.ALERT_STATES.items()],
                            validate_choice=False)
    note = TextAreaField(_l("Note (required to resolve)"))


def _page_context(actor, params):
    return {"bulk": BulkForm(), "filter_args": url_args(ALERT_LIST, params)}


ALERT_LIST = ListSpec(
    listing=catalog.ALERTS, endpoint="alerts.index",
    columns=[
        Column("select", _l("Select"), cell="alert_select", width=40),
        Column("created_at", _l("Raised"), cell="datetime", link=("alerts.detail", "alert_id"), width=165),
        Column("name", _l("Rule"), width=150),
        Column("severity", _l("Severity"), labels=labels.SEVERITIES, width=90),
        Column("state", _l("State"), labels=labels.ALERT_STATES, width=100),
        Column("username", _l("User"), width=165),
        Column("vector", _l("Vector"), labels=labels.VECTORS, width=130),
        Column("file_count", _l("Files"), cell="number", numeric=True, width=70),
        Column("total_bytes", _l("Size"), cell="bytes", numeric=True, width=100),
        Column("assignee", _l("Assignee"), width=120),
    ],
    page_context=_page_context,
    choice_labels={**CHOICE_LABELS, "state": labels.ALERT_STATES, "severity": labels.SEVERITIES,
                   "watchlist": labels.WATCHLISTS},
)

register_list_routes(bp, ALERT_LIST, PERMISSION, "alerts/index.html")


def _detail(alert, state_form=None, assign_form=None, note_form=None, status=200):
    assign_form = assign_form or AssignForm(assignee=str(alert.assignee_id or ""))
    assign_form.assignee.choices = [SelectChoice("", _("Nobody"))] + [
        SelectChoice(str(i), n) for i, n in alerts.investigators(current_user, alert)]
    rows, total = alerts.alert_events(alert)
    return render_template("alerts/detail.html", alert=alert, why=why(alert), events=rows, total_events=total,
                           history=alerts.history(alert), state_form=state_form or StateForm(state=alert.state),
                           assign_form=assign_form, note_form=note_form or NoteForm(),
                           state_labels=labels.ALERT_STATES, severity_labels=labels.SEVERITIES,
                           vector_labels=labels.VECTORS), status


@bp.get("/<int:alert_id>")
@require(PERMISSION)
def detail(alert_id):
    """An alert: why it fired, its events, its triage and its history."""
    return _detail(alerts.get_alert(current_user, alert_id))


def _triage(alert_id, form, action, done, slot):
    alert = alerts.get_alert(current_user, alert_id)
    if form.validate_on_submit():
        try:
            action(alert, form)
        except ValidationError as error:
            apply_error(form, error)
        else:
            flash(done, "success")
            return redirect(url_for("alerts.detail", alert_id=alert.id))
    return _detail(alert, **{slot: form}, status=422)


@bp.post("/<int:alert_id>/state")
@require(PERMISSION)
def change_state(alert_id):
    """Move an alert to another state (resolving needs a note)."""
    return _triage(alert_id, StateForm(), lambda a, f: alerts.change_state(current_user, a, f.state.data, f.note.data),
                   _("Alert updated."), "state_form")


@bp.post("/<int:alert_id>/assign")
@require(PERMISSION)
def assign(alert_id):
    """Assign an alert to an investigator, or to nobody."""
    return _triage(alert_id, AssignForm(), lambda a, f: alerts.assign(current_user, a, f.assignee.data),
                   _("Alert assigned."), "assign_form")


@bp.post("/<int:alert_id>/notes")
@require(PERMISSION)
def add_note(alert_id):
    """Add a note to an alert."""
    return _triage(alert_id, NoteForm(), lambda a, f: alerts.add_note(current_user, a, f.note.data),
                   _("Note added."), "note_form")


@bp.post("/bulk")
@require(PERMISSION)
def bulk():
    """Change the state of the selected alerts, or of every alert the list's filters match (a job when many)."""
    form = BulkForm()
    back = url_for("alerts.index", **{k: v for k, v in request.form.items() if k in _FILTER_ARGS})
    if not form.validate_on_submit():
        flash(_("The form has expired. Try again."), "error")
        return redirect(back)
    try:
        if request.form.get("target") == "matching":
            params = catalog.ALERTS.params(q=request.form.get("q", ""),
                                           filters={k: request.form.get(k, "") for k in _FILTER_NAMES})
            ids = alerts.matching_ids(current_user, params.filters, params.q, limit=alerts.BULK_INLINE_MAX + 1)
            if len(ids) > alerts.BULK_INLINE_MAX:
                alerts.check_bulk(form.new_state.data, form.note.data)
                job = jobs.start_job(BULK_KIND, actor=current_user, permission=PERMISSION,
                                     label=_("Change the state of matching alerts"),
                                     params={"q": params.q, "filters": catalog.ALERTS.raw(params),
                                             "state": form.new_state.data, "note": form.note.data})
                flash(_("The alerts are being changed in the background."), "success")
                return redirect(url_for("jobs.show", job_id=job.id))
        else:
            ids = alerts.selected_ids(current_user, request.form.getlist("alert")[:alerts.BULK_INLINE_MAX])
            if not ids:
                flash(_("Select the alerts to change first."), "error")
                return redirect(back)
        changed = alerts.bulk_change(current_user, ids, form.new_state.data, form.note.data)
    except ValidationError as error:
        flash(str(error), "error")
        return redirect(back)
    flash(ngettext("%(num)s alert changed.", "%(num)s alerts changed.", changed), "success")
    return redirect(back)


_FILTER_NAMES = [f.name for f in catalog.ALERTS.filters]
_FILTER_ARGS = {*_FILTER_NAMES, "q", "sort", "dir"}

