"""Catalogs: complete, never fuzzy, and in step with the strings in the code."""
import pathlib
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from webconsole.config import LOCALES

ROOT = pathlib.Path(__file__).resolve().parent.parent


def read(path):
    with open(path, "rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "_p:1c,2",
         "--ignore-dirs", ".* __pycache__ instance", "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    return {key(m) for m in read(out) if m.id}


def key(message):
    """(context, id): the same words may be two messages in two contexts ("Created" a date, a file event)."""
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


def test_extraction_reads_shared_partials(extracted):
    # Babel skips folders starting with "_" by default; the list partials live in one.
    assert (None, "Loading more…") in extracted


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete_and_current(extracted, locale):
    catalog = read(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po")
    ids = {key(m): m for m in catalog if m.id}
    assert sorted(extracted - set(ids)) == [], "run `make extract-messages` and translate"
    assert sorted(set(ids) - extracted) == [], "obsolete messages: run `make extract-messages`"
    untranslated = [i for i, m in ids.items()
                    if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [i for i, m in ids.items() if m.fuzzy]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_survive_translation(locale):
    import re
    catalog = read(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po")
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(re.findall(r"%\(\w+\)[sd]", source))
        for string in strings:
            assert sorted(re.findall(r"%\(\w+\)[sd]", string)) == wanted, (locale, source)


# Actions that do different things must not read alike in any language: "Lock" (settings) is not
# "Block" (a user, an agent version), and "Push" (settings to devices) is not "Send" (a command to one).
DISTINCT = [("Lock", "Block"), ("Push", "Send")]


@pytest.mark.parametrize("locale", LOCALES)
def test_different_actions_are_named_differently(locale):
    catalog = read(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po")
    for first, second in DISTINCT:
        assert catalog[first] is not None and catalog[second] is not None, (first, second)
        assert catalog[first].string.casefold() != catalog[second].string.casefold(), (locale, first, second)
