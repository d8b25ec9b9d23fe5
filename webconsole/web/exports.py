"""CSV exports: streamed, safe to open in a spreadsheet, with a clean file name."""
import csv
import io
import re

from flask import Response

from webconsole.models.base import utcnow

# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The cell text, with a leading apostrophe when a spreadsheet would run it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value  # numbers stay numbers, a negative one included
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def safe_filename(name):
    """A download file name of letters, digits, dots, dashes and underscores only."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "export"
    return cleaned[:80]


def csv_response(name, header, rows):
    """A streamed CSV download named "<name>-<UTC date>.csv"; `rows` yields lists of values."""
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # a BOM, so spreadsheets read UTF-8 names correctly
        writer.writerow([neutralise(str(h)) for h in header])
        try:
            for row in rows:
                writer.writerow([neutralise(v) for v in row])
                if buffer.tell() > 64 * 1024:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()
        finally:
            # A cancelled download stops here: close `rows` now, so that it can say it did not finish.
            getattr(rows, "close", lambda: None)()

    filename = safe_filename(f"{name}-{utcnow():%Y-%m-%d}") + ".csv"
    return Response(generate(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
    })
