"""A list's CSV export as a job: paged through with its owner's rights, kept as a file that outlives the page.

The file grows a keyset page at a time, each page read in a short transaction of its own (see
Listing.pages). After each page the file is flushed to disk and the job's checkpoint records the list
cursor and the file's length, so a job taken up again after its worker died cuts the file back to that
length and goes on from that cursor: no row is lost or written twice.
"""
import csv
import os

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import end_read
from webconsole.jobs.kinds import JobFailed, job_kind
from webconsole.models.base import utcnow
from webconsole.web.exports import neutralise, safe_filename
from webconsole.web.lists import cursor_for, decode_cursor, spec_for

KIND = "list.export"
BATCH = 1000
FILE = "export.csv"


def export_params(spec, params, columns):
    """The parameters of an export job of list `spec` as filtered and sorted by `params`, in `columns`."""
    return {"list": spec.key, "sort": params.sort, "dir": params.dir, "q": params.q,
            "filters": spec.listing.raw(params), "columns": [c.key for c in columns]}


@job_kind(KIND)
def export_list(context):
    """Write every row of the list, as its owner may see it now, to a CSV file; resumable by page."""
    actor = context.actor()
    p = context.params
    spec = spec_for(p.get("list", ""))
    if spec is None or not spec.export_name:
        raise JobFailed(_l("This list can no longer be exported."))
    if p["sort"] not in spec.listing.sorts:
        raise JobFailed(_l("This list can no longer be sorted the way the export asked."))
    try:
        params = spec.listing.params(sort=p["sort"], dir=p["dir"], q=p["q"], filters=p["filters"])
    except ValidationError as error:
        raise JobFailed(str(error)) from None
    columns = ([c for c in spec.columns if c.key in p["columns"]] or spec.default_columns)
    columns = [c for c in columns if c.exported and c.permission is None]
    path = context.path(FILE)
    with force_locale(actor.locale or "en_US"):
        after, done = _resume(context, spec, actor, params, columns, path)
        with open(path, "a", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            while True:
                page = spec.listing.page(actor, params, limit=BATCH, after=after, only=spec.reads(columns))
                end_read()  # no transaction held while the file is written and synced
                for row in page.rows:
                    values = row._mapping
                    writer.writerow([neutralise(column.export(values)) for column in columns])
                done += len(page.rows)
                _sync(out)
                cursor = cursor_for(spec, params, page.next) if page.next else None
                context.progress(done, checkpoint={"cursor": cursor, "bytes": out.tell()})
                if page.next is None:
                    break
                after = page.next
    context.result(FILE, safe_filename(f"{spec.export_name}-{utcnow():%Y-%m-%d}") + ".csv")


def _resume(context, spec, actor, params, columns, path):
    """(after, rows done): the file cut back to the checkpoint, or started anew with its heading."""
    checkpoint = context.checkpoint
    if checkpoint and os.path.exists(path) and os.path.getsize(path) >= checkpoint["bytes"]:
        os.truncate(path, checkpoint["bytes"])
        cursor = checkpoint["cursor"]
        return (decode_cursor(spec, cursor)[1] if cursor else None), context.done
    total, exact = spec.listing.count(actor, params)
    with open(path, "w", newline="", encoding="utf-8") as out:
        out.write("\ufeff")  # a BOM, so spreadsheets read UTF-8 names correctly
        csv.writer(out).writerow([neutralise(str(c.label)) for c in columns])
        _sync(out)
        context.progress(0, total if exact else None, {"cursor": None, "bytes": out.tell()})
    return None, 0


def _sync(out):
    """Flush the file to disk before a checkpoint says it holds what was written."""
    out.flush()
    os.fsync(out.fileno())
