"""The console's own user guide: Markdown pages in docs/guide, served by Help on a closed network."""
import os
import re

import markdown

GUIDE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         "docs", "guide")
_SLUG = re.compile(r"^[a-z0-9-]+$")


def _title(text):
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def guide_pages():
    """[(slug, title)] of the guide, in file-name order ("01-..." sorts first)."""
    pages = []
    for name in sorted(os.listdir(GUIDE_DIR)):
        if name.endswith(".md"):
            with open(os.path.join(GUIDE_DIR, name), encoding="utf-8") as f:
                pages.append((name[:-3], _title(f.read())))
    return pages


def guide_page(slug):
    """(title, html) of one page, or None when `slug` names no page."""
    if not _SLUG.match(slug or ""):
        return None
    path = os.path.join(GUIDE_DIR, slug + ".md")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    html = markdown.markdown(text, extensions=["tables", "toc", "sane_lists"], output_format="html")
    return _title(text), html
