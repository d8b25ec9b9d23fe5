"""The user guide is translated in every locale, from its current English source, with the same shape:
a page changed in English fails here until each translation follows it (scripts/guide-translations.py)."""
import os
import re
from collections import Counter

import pytest

from webconsole.config import LOCALES
from webconsole.domain.guide import GUIDE_DIR, guide_page, slugs, translation_state

_FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def _read(*parts):
    with open(os.path.join(GUIDE_DIR, *parts), encoding="utf-8") as f:
        return f.read()


def shape(text):
    """What a translation keeps of its source: heading levels in order, code (blocks and spans) and link
    targets, table rows and list items."""
    blocks = _FENCE.findall(text)
    prose = _FENCE.sub("", text)
    lines = prose.splitlines()
    return {
        "headings": [len(m.group(1)) for m in re.finditer(r"^(#+) ", prose, re.M)],
        "code blocks": blocks,
        "code": Counter(re.findall(r"`([^`\n]+)`", prose)),
        "links": Counter(re.findall(r"\]\(([^)\s]+)\)", prose)),
        "table rows": sum(1 for line in lines if line.startswith("|")),
        "list items": sum(1 for line in lines if re.match(r"\s*(?:[-*]|\d+\.) ", line)),
    }


@pytest.mark.parametrize("locale", LOCALES[1:])
@pytest.mark.parametrize("slug", slugs())
def test_every_page_is_translated_from_its_current_source(locale, slug):
    state = translation_state(slug, locale)
    assert state == "current", (
        f"docs/guide/{locale}/{slug}.md is {state}: translate it (or the changes: "
        f"scripts/guide-translations.py --diff {locale}), then --stamp {locale} {slug}")
    source, translation = shape(_read(slug + ".md")), shape(_read(locale, slug + ".md"))
    for part, expected in source.items():
        assert translation[part] == expected, f"{locale}/{slug}.md: its {part} differ from the English page's"
    heading = re.search(r"^# (.+)$", _read(locale, slug + ".md"), re.M).group(1).strip()
    assert guide_page(slug, locale)[0] == heading  # Help serves it


@pytest.mark.parametrize("locale", LOCALES[1:])
def test_no_stray_pages(locale):
    folder = os.path.join(GUIDE_DIR, locale)
    extra = set(os.listdir(folder)) - {slug + ".md" for slug in slugs()} if os.path.isdir(folder) else set()
    assert not extra, f"docs/guide/{locale} has pages the English guide has not: {sorted(extra)}"


def test_help_serves_the_page_in_the_chosen_language(client, sign_in, world):
    slug = slugs()[0]
    title, _html = guide_page(slug, "de")
    assert title and title != guide_page(slug)[0]
    sign_in("admin@acme.test")
    client.set_cookie("locale", "de")
    html = client.get(f"/help/{slug}").get_data(as_text=True)
    assert "<h1" in html and title in html and "<!-- source:" not in html


def test_a_stale_translation_gives_way_to_the_english_page(tmp_path, monkeypatch):
    from webconsole.domain import guide
    (tmp_path / "de").mkdir()
    (tmp_path / "01-a.md").write_text("# Lists\n\nText.\n", encoding="utf-8")
    (tmp_path / "de" / "01-a.md").write_text("<!-- source: 0000000000000000 -->\n# Listen\n", encoding="utf-8")
    monkeypatch.setattr(guide, "GUIDE_DIR", str(tmp_path))
    assert guide.translation_state("01-a", "de") == "stale"
    assert guide.guide_page("01-a", "de")[0] == "Lists"
    (tmp_path / "de" / "01-a.md").write_text(f"<!-- source: {guide.source_stamp('01-a')} -->\n# Listen\n",
                                             encoding="utf-8")
    assert guide.guide_page("01-a", "de")[0] == "Listen"
    assert guide.guide_page("01-a", "../de")[0] == "Lists"  # a locale is a name, never a path
