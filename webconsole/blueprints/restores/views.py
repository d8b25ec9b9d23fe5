"""Restore from the web: pick a version by date, browse its folders or search by name, select, download.

A device's own user comes here from My Profile, an administrator from the device's page. An archive
password, when the device's key needs one, travels with each request of the page (a POST) and is
never stored.
"""
from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webconsole.blueprints.restores import bp
from webconsole.domain import restores
from webconsole.domain.errors import Forbidden, NotFound, ValidationError
from webconsole.jobs import restores as restore_jobs
from webconsole.web.forms import ConfirmForm
from webconsole.web.permissions import signed_in


def _back(device):
    """Where the page's way back goes: the device's page for administrators, My Profile for its user."""
    if device.user_id == current_user.id:
        return url_for("account.profile")
    return url_for("devices.detail", device_id=device.id)


@bp.route("/devices/<int:device_id>/", methods=["GET", "POST"])
@signed_in
def browse(device_id):
    """A version of the device: a folder's entries, or the files whose name holds the search text."""
    device = restores.restorable(current_user, device_id)
    values = request.form if request.method == "POST" else request.args
    password = request.form.get("password", "") if request.method == "POST" else ""
    page = {"device": device, "back": _back(device), "password": password, "form": ConfirmForm(), "error": None,
            "versions": [], "version": None, "path": "/", "entries": [], "q": "", "refused": None,
            "places": restores.stored_at(device), "place": values.get("dest", "")}
    if request.method == "POST" and not ConfirmForm().validate_on_submit():
        raise ValidationError(restores.ASK_PASSWORD, field="password")
    try:
        repository = restores.open_repository(device, password, page["place"])
        page["place"] = repository.destination.guid if repository.destination else ""
        page["versions"] = restores.versions(repository)
        try:
            page["version"] = restores.snapshot_id(values.get("version", ""), page["versions"])
        except ValidationError:  # another destination's version, or none: show the newest
            page["version"] = restores.snapshot_id("", page["versions"])
        page["path"] = restores.clean_path(values.get("path") or "/")
        page["q"] = (values.get("q") or "").strip()[:200]
        page["entries"] = (restores.search(repository, page["version"], page["q"]) if page["q"] else
                           restores.entries(repository, page["version"], page["path"]))
    except (Forbidden, NotFound) as refusal:  # no key, or nothing stored yet: said on the page itself
        page["refused"] = str(refusal)
        return render_template("restores/browse.html", **page), 403 if isinstance(refusal, Forbidden) else 404
    except ValidationError as error:
        page["error"] = error
        return render_template("restores/browse.html", **page), 422 if request.method == "POST" else 200
    return render_template("restores/browse.html", **page)


def _chosen(device_id):
    """(device, repository, version, its time) a restore form names, each checked."""
    device = restores.restorable(current_user, device_id)
    repository = restores.open_repository(device, request.form.get("password", ""), request.form.get("dest", ""))
    versions = restores.versions(repository)
    version = restores.snapshot_id(request.form.get("version", ""), versions)
    return device, repository, version, next((v["time"] for v in versions if v["id"] == version), None)


@bp.post("/devices/<int:device_id>/download")
@signed_in
def download(device_id):
    """The selected files and folders of a version: one file as itself, else a zip, streamed as restic reads."""
    device, repository, version, when = _chosen(device_id)
    _files, size, kinds = restores.download(current_user, device, repository, version, when,
                                            request.form.getlist("path"), request.remote_addr or "")
    if restores.as_job(device, size):
        job = restore_jobs.start(current_user, device, repository, version, kinds)
        flash(_("The restore is large, so it is prepared as a job: download it from here when it is ready."), "success")
        return redirect(url_for("jobs.show", job_id=job.id))
    name, kind, body = restores.content(device, repository, version, kinds)
    response = Response(stream_with_context(body), mimetype=kind)
    response.headers["Content-Disposition"] = _attachment(name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/devices/<int:device_id>/to-device")
@signed_in
def to_device(device_id):
    """Ask the device to restore the selection itself, to its original place or a chosen folder."""
    device, repository, version, when = _chosen(device_id)
    restores.to_device(current_user, device, repository, version, when, request.form.getlist("path"),
                       request.form.get("target", ""), request.form.get("conflict", ""), request.remote_addr or "")
    flash(_("The restore was sent to the device. Its result shows in the restores list when the device reports it."),
          "success")
    return redirect(_back(device))


def _attachment(name):
    from urllib.parse import quote

    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name) or "restore"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
