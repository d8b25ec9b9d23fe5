"""Why an alert fired, in a sentence rendered from its stored numbers in the reader's language.

"42 files, 1.3 GB to removable media within 1 hour; threshold 20 files": the numbers are the alert's
own (the rule's threshold as it was when it fired), formatted by Babel for the locale, with the
plural forms of each language.
"""
from flask_babel import format_decimal, get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from webconsole.web.templating import bytes_text

VECTOR_PHRASES = {
    "removable_media": _l("to removable media"),
    "cloud_sync": _l("to cloud sync"),
    "upload": _l("uploaded by a browser or app"),
    "email": _l("sent by e-mail"),
    "cloud_share": _l("shared from cloud storage"),
    "any": _l("exposed"),
}


def _files(n):
    return ngettext("%(n)s file", "%(n)s files", n, n=format_decimal(n))


def window_text(amount, unit):
    """"1 hour", "30 minutes", "7 days", for the locale."""
    number = format_decimal(amount)
    if unit == "minutes":
        return ngettext("%(n)s minute", "%(n)s minutes", amount, n=number)
    if unit == "hours":
        return ngettext("%(n)s hour", "%(n)s hours", amount, n=number)
    return ngettext("%(n)s day", "%(n)s days", amount, n=number)


def threshold_text(kind, threshold):
    """"20 files" or "500 MB": the threshold a rule or an alert names."""
    return _files(threshold) if kind == "files" else bytes_text(threshold, get_locale())


def why(alert):
    """The sentence saying why `alert` fired."""
    return gettext("%(files)s, %(size)s %(vector)s within %(window)s; threshold %(threshold)s",
                   files=_files(alert.file_count), size=bytes_text(alert.total_bytes or 0, get_locale()),
                   vector=VECTOR_PHRASES.get(alert.vector, alert.vector),
                   window=window_text(alert.window_amount, alert.window_unit),
                   threshold=threshold_text(alert.threshold_kind, alert.threshold))
