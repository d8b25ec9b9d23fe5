"""A case's export as a job: one zip of its events (CSV and JSON), its findings and a manifest.

The zip is written whole on each run (a case holds at most cases.CASE_EVENTS_MAX events), to a
temporary name renamed into place at the end, so a worker that dies midway leaves no half a zip for
download: the job taken up again starts over.
"""
import csv
import io
import json
import os
import zipfile

from flask_babel import lazy_gettext as _l

from webconsole.domain import cases, events, forensics
from webconsole.domain.errors import NotFound
from webconsole.domain.listings import end_read
from webconsole.jobs.kinds import JobFailed, job_kind
from webconsole.models.base import utcnow
from webconsole.web.exports import neutralise, safe_filename

KIND = "case.export"
FILE = "case.zip"
BATCH = 1000
CSV_FIELDS = (
    ("event_id", "eventId"), ("event_at", "eventTimestamp"), ("event_type", "eventType"),
    ("username", "deviceUserName"),
    ("hostname", "osHostName"), ("file_name", "fileName"), ("file_path", "filePath"), ("file_size", "fileSize"),
    ("file_category", "fileCategory"), ("sha256", "sha256Checksum"), ("md5", "md5Checksum"), ("source", "source"),
    ("exposure", "exposure"), ("destination_name", "destinationName"), ("email_subject", "emailSubject"),
)


def start(actor, case):
    """Start exporting `case` for `actor`; the Job."""
    from webconsole.domain import jobs  # the job module is loaded by the queue, which loads this one
    return jobs.start_job(KIND, actor=actor, label=str(_l("Case export: %(name)s", name=case.name)),
                          params={"case": case.id}, permission=cases.PERMISSION)


def _csv_row(event):
    values = []
    for column, _key in CSV_FIELDS:
        value = getattr(event, column)
        if column == "exposure":
            value = " ".join(events.exposure_names(value))
        elif column == "event_at":
            value = value.isoformat(timespec="milliseconds") + "Z"
        values.append(neutralise(value))
    return values


@job_kind(KIND)
def export_case(context):
    """Write the case's events, findings and a manifest into one zip, as its owner may see them now."""
    actor = context.actor()
    try:
        case = cases.get_case(actor, context.params.get("case"))
    except NotFound:
        raise JobFailed(_l("This case no longer exists, or you can no longer see it.")) from None
    path = context.path(FILE)
    partial = path + ".part"
    stored = cases.case_events(case)
    attached = cases.event_count(case)
    end_read()
    context.progress(0, len(stored))
    table = io.StringIO()
    table.write("\ufeff")  # a BOM, so spreadsheets read UTF-8 names correctly
    writer = csv.writer(table)
    writer.writerow([key for _column, key in CSV_FIELDS])
    items = []
    for n in range(0, len(stored), BATCH):
        for event in stored[n:n + BATCH]:
            writer.writerow(_csv_row(event))
            items.append(forensics.as_v1(event))
        context.progress(min(n + BATCH, len(stored)))
    manifest = {
        "case": {"id": case.id, "name": case.name, "status": case.status, "subject": case.subject_username,
                 "description": case.description, "created_at": case.created_at.isoformat() + "Z",
                 "closed_at": case.closed_at.isoformat() + "Z" if case.closed_at else None},
        "exported_at": utcnow().isoformat() + "Z", "exported_by": actor.username,
        "events_attached": attached, "events_exported": len(stored),
        # Retention may have deleted attached events since: the difference says how many.
        "events_no_longer_stored": attached - len(stored),
        "files": ["events.csv", "events.json", "findings.txt", "manifest.json"],
    }
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("events.csv", table.getvalue())
        zf.writestr("events.json", json.dumps(items, ensure_ascii=False, indent=1))
        zf.writestr("findings.txt", case.findings or "")
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    os.replace(partial, path)
    context.result(FILE, safe_filename(f"case-{case.id}-{case.name}-{utcnow():%Y-%m-%d}") + ".zip")
