"""A large restore download as a job: restic's stream written to the job's folder, then offered for download.

Only for devices whose key the console holds (an archive password is never stored, so such restores
stream however large). The file is written to a temporary name renamed into place at the end, so a
worker that dies midway leaves no half a file: the job taken up again starts over.
"""
import os

from flask_babel import lazy_gettext as _l

from webconsole.domain import restores
from webconsole.domain.errors import DomainError
from webconsole.jobs.kinds import JobFailed, job_kind
from webconsole.web.exports import safe_filename

KIND = "restore.download"
PROGRESS_EVERY = 16 * 1024 * 1024


def start(actor, device, repository, snapshot, kinds):
    """Prepare the download of `kinds` ({path: kind}) of `snapshot` for `actor` as a job; the Job."""
    from webconsole.domain import jobs  # the job module is loaded by the queue, which loads this one
    destination = repository.destination.guid if repository.destination else ""
    return jobs.start_job(KIND, actor=actor, label=str(_l("Restore from %(device)s", device=device.name)),
                          params={"device": device.id, "destination": destination, "snapshot": snapshot,
                                  "kinds": kinds})


@job_kind(KIND)
def prepare(context):
    """Write the selection as restic dumps it (a file, or a zip) into the job's folder."""
    actor = context.actor()
    params = context.params
    try:
        device = restores.restorable(actor, params.get("device"))
        repository = restores.open_repository(device, None, params.get("destination") or None)
    except DomainError as e:
        raise JobFailed(str(e)) from None
    kinds = {str(p): str(k) for p, k in (params.get("kinds") or {}).items()}
    name, _kind, body = restores.content(device, repository, str(params.get("snapshot")), kinds)
    path = context.path("restore")
    partial = path + ".part"
    written = noted = 0
    with open(partial, "wb") as stream:
        for chunk in body:
            stream.write(chunk)
            written += len(chunk)
            if written - noted >= PROGRESS_EVERY:  # each note is a database write
                context.progress(written)
                noted = written
    context.progress(written)
    os.replace(partial, path)
    context.result("restore", safe_filename(os.path.splitext(name)[0]) + os.path.splitext(name)[1])
