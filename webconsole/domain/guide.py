"""The console's own user guide: Markdown pages in docs/guide, served by Help on a closed network.

The pages in docs/guide are the source, in en_US. docs/guide/<locale>/ holds a translation of each,
under the same file name, whose first line names the source it translates:

    <!-- source: 3f2a9c0d1e4b5a6f -->

(the first 16 hex digits of the English file's SHA-256). A page whose translation is missing or
translates an older source is served in English, and the test suite fails until it is translated
again: `python scripts/guide-translations.py` lists what to do and stamps finished pages.
"""
import hashlib
import os
import re

import markdown

GUIDE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         "docs", "guide")
_SLUG = re.compile(r"^[a-z0-9-]+$")
SOURCE_LINE = re.compile(r"\A<!-- source: ([0-9a-f]{16}) -->\n")


def _title(text):
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def stamp_of(source):
    """The stamp of an English page's bytes: what a translation of them carries."""
    return hashlib.sha256(source).hexdigest()[:16]


def source_stamp(slug):
    """The stamp a translation of the English page `slug` carries while it is current."""
    with open(os.path.join(GUIDE_DIR, slug + ".md"), "rb") as f:
        return stamp_of(f.read())


def stamp_in(text):
    """The stamp a translation's text carries on its first line, or None."""
    found = SOURCE_LINE.match(text)
    return found.group(1) if found else None


def translation_state(slug, locale):
    """"current", "stale" (it translates an older source) or "missing", for one page in one locale."""
    path = os.path.join(GUIDE_DIR, locale, slug + ".md")
    if not os.path.isfile(path):
        return "missing"
    return "current" if stamp_in(_read(path)) == source_stamp(slug) else "stale"


def slugs():
    """The English pages' slugs, in file-name order ("01-..." sorts first)."""
    return sorted(name[:-3] for name in os.listdir(GUIDE_DIR) if name.endswith(".md"))


def _text(slug, locale):
    # The page in the locale when its translation is current, else the English source.
    if locale and re.fullmatch(r"[A-Za-z0-9_]+", locale) and translation_state(slug, locale) == "current":
        return SOURCE_LINE.sub("", _read(os.path.join(GUIDE_DIR, locale, slug + ".md")), count=1)
    return _read(os.path.join(GUIDE_DIR, slug + ".md"))


def guide_pages(locale=None):
    """[(slug, title)] of the guide in `locale`, in order."""
    return [(slug, _title(_text(slug, locale))) for slug in slugs()]


def guide_page(slug, locale=None):
    """(title, html) of one page in `locale`, or None when `slug` names no page."""
    if not _SLUG.match(slug or "") or not os.path.isfile(os.path.join(GUIDE_DIR, slug + ".md")):
        return None
    text = _text(slug, locale)
    html = markdown.markdown(text, extensions=["tables", "toc", "sane_lists"], output_format="html")
    return _title(text), html
