"""Sorting names as a reader of the console's language expects: case-insensitive, accents after
their base letter, and the locale's own rules (Swedish puts Å, Ä, Ö after Z) where ICU is installed.

SQL cannot do this the same way on SQLite and PostgreSQL (SQLite has no locale collations and
PostgreSQL's depend on how the server was built), so names a page orders this way are sorted here.
"""
import unicodedata
from functools import lru_cache

try:  # PyICU: the locale's tailored collation (optional: it needs the ICU library to build)
    import icu
except ImportError:  # pragma: no cover - depends on the installation
    icu = None


def _fallback_key(text):
    """A key close to the root collation: letters compared without accents or case, then with accents,
    then with case, lower case first as ICU puts it (so "APAC" never comes before "Americas": case only breaks ties)."""
    text = text or ""
    folded = text.casefold()
    base = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return (base, folded, text.swapcase())


@lru_cache(maxsize=32)
def _collator(locale_name):
    collator = icu.Collator.createInstance(icu.Locale(locale_name))
    return collator.getSortKey


def name_key(locale=None):
    """A function giving the sort key of a name in `locale` (a Babel Locale or its name; None: the
    request's locale, or English outside a request)."""
    if locale is None:
        from flask_babel import get_locale  # the door's locale: domain functions are called within requests
        locale = get_locale()
    if icu is None:
        return _fallback_key
    collate = _collator(str(locale or "en"))
    return lambda text: collate(text or "")
