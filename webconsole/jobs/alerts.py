"""A bulk change of alerts as a job: every alert the list's filters match, changed a batch at a time.

The checkpoint is the last alert id changed, so a job taken up again after its worker died goes on
from there; the alerts matched are those its owner may triage when it runs.
"""
from webconsole.domain import alerts
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import catalog
from webconsole.jobs.kinds import JobFailed, job_kind

BULK_KIND = "alerts.bulk_state"
BATCH = 500


@job_kind(BULK_KIND)
def change_matching(context):
    """Move every alert matching the job's filters to its state, BATCH alerts per transaction."""
    actor = context.actor()
    p = context.params
    try:
        params = catalog.ALERTS.params(q=p.get("q", ""), filters=p.get("filters") or {})
        alerts.check_bulk(p.get("state"), p.get("note", ""))
    except ValidationError as error:
        raise JobFailed(str(error)) from None
    after = (context.checkpoint or {}).get("after", 0)
    done = (context.done or 0) if context.checkpoint else 0
    if not context.checkpoint:
        context.progress(0, len(alerts.matching_ids(actor, params.filters, params.q)), {"after": 0})
    while True:
        ids = alerts.matching_ids(actor, params.filters, params.q, after=after, limit=BATCH)
        if not ids:
            break
        alerts.bulk_change(actor, ids, p["state"], p.get("note", ""))
        after, done = ids[-1], done + len(ids)
        context.progress(done, checkpoint={"after": after})
