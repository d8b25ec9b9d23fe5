from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webconsole.blueprints.jobs import bp
from webconsole.domain import jobs, notifications
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.listings import catalog
from webconsole.domain.preferences import list_preferences
from webconsole.jobs.exports import KIND, export_params
from webconsole.jobs.kinds import DOWNLOAD_AUDITS
from webconsole.web.exports import safe_filename
from webconsole.web.list_views import EXPORT_PERMISSIONS, register_list_routes
from webconsole.web.lists import Column, ListSpec, params_from_request, spec_for
from webconsole.web.permissions import can, require

STATES = {"queued": _l("Queued"), "running": _l("Running"), "succeeded": _l("Finished"), "failed": _l("Failed"),
          "cancelled": _l("Cancelled")}

# The lists that may be exported as a job, with the title a job names them by (the permission is the one
# their pages ask, kept by register_list_routes).
EXPORT_TITLES = {
    "audit": _l("Audit Log"), "forensic_search": _l("Forensic Search"), "devices": _l("Devices"),
    "users": _l("Users"), "orgs": _l("Organizations"), "report-orgs": _l("Organization report"),
    "report-users": _l("User backup report"), "report-devices": _l("Device backup report"),
}

def _page_context(actor, params):
    """Alert e-mail that could not be delivered, for those who set alert rules and their recipients."""
    if not can("alerts.rules"):
        return {}
    failed, retrying = notifications.undelivered()
    return {"undelivered": failed, "retrying": retrying}


JOBS_LIST = ListSpec(
    listing=catalog.JOBS,
    endpoint="jobs.index",
    page_context=_page_context,
    choice_labels={"state": STATES},
    columns=[
        Column("created_at", _l("Created"), cell="datetime", width=170),
        Column("label", _l("Job"), width=280, link=("jobs.show", "job_id")),
        Column("owner", _l("Started by"), width=200),
        Column("state", _l("State"), labels=STATES, width=120),
        Column("percent", _l("Progress"), cell="percent", width=120, numeric=True),
        Column("finished_at", _l("Finished"), cell="datetime", width=170),
    ],
)

register_list_routes(bp, JOBS_LIST, "jobs.view", "jobs/index.html")


def _job_or_404(job_id):
    """The job when the signed-in user may see it, else a 404."""
    try:
        return jobs.job_for(current_user, job_id)
    except NotFound:
        abort(404)


@bp.get("/<int:job_id>")
@require("jobs.view")
def show(job_id):
    """A job's page: what it is, who started it, its progress (polled while it runs), its result or error."""
    return render_template("jobs/show.html", job=_job_or_404(job_id), states=STATES)


@bp.get("/<int:job_id>/status")
@require("jobs.view")
def status(job_id):
    """The job's progress fragment; once the job has finished, status 286 tells htmx to stop asking."""
    job = _job_or_404(job_id)
    finished = job.state in jobs.FINISHED
    return render_template("jobs/_status.html", job=job, states=STATES), 286 if finished else 200


@bp.post("/<int:job_id>/cancel")
@require("jobs.view")
def cancel(job_id):
    """Stop a job that has not finished; then show it again."""
    try:
        cancelled = jobs.cancel(current_user, job_id)
    except NotFound:
        abort(404)
    flash(_("Job cancelled.") if cancelled else _("The job had already finished."), "success" if cancelled else "info")
    return redirect(url_for("jobs.show", job_id=job_id), 303)


@bp.get("/<int:job_id>/download")
@require("jobs.view")
def download(job_id):
    """The job's result file, for those who may see the job and may still read what it holds."""
    try:
        path, name = jobs.result_for(current_user, job_id)
    except NotFound:
        abort(404)
    job = jobs.job_for(current_user, job_id)
    if job.kind in DOWNLOAD_AUDITS:
        DOWNLOAD_AUDITS[job.kind](current_user, job)
    response = send_file(path, as_attachment=True, download_name=safe_filename(name), conditional=False,
                         etag=False, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/exports/<list_key>")
@require("jobs.view")
def start_export(list_key):
    """Export a list, as filtered and sorted in the query string, in the background; then show the job."""
    spec = spec_for(list_key)
    permission = EXPORT_PERMISSIONS.get(list_key)
    if list_key not in EXPORT_TITLES or spec is None or permission is None:
        abort(404)
    title = EXPORT_TITLES[list_key]
    if not can(permission):
        abort(403)
    try:
        # A filter the list refuses is said now, not later.
        params = params_from_request(spec)
        spec.listing.page(current_user, params, limit=1)
    except ValidationError as error:
        flash(str(error), "error")
        return redirect(url_for(spec.endpoint), 303)
    chosen = spec.column_keys if spec.export_all else list_preferences(current_user.id, spec.key)[1]
    columns = spec.visible_columns(chosen)
    job = jobs.start_job(KIND, actor=current_user, label=_("%(list)s export", list=title),
                         params=export_params(spec, params, columns), permission=permission)
    return redirect(url_for("jobs.show", job_id=job.id), 303)
