"""The user guide's translations: what is missing or out of date, and stamping a finished page.

    python scripts/guide-translations.py                  # every locale: missing and stale pages
    python scripts/guide-translations.py --diff LOCALE    # for stale pages, what changed in English
    python scripts/guide-translations.py --stamp LOCALE [PAGE ...]

A translation's first line names the English source it translates (webconsole/domain/guide.py).
After translating a page, or bringing it up to date with its English source, --stamp writes that
line for the current source; with no PAGE it stamps every page of the locale.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from webconsole.config import LOCALES  # noqa: E402
from webconsole.domain.guide import GUIDE_DIR, SOURCE_LINE, slugs, source_stamp, stamp_in, stamp_of, translation_state  # noqa: E402


def stamp(locale, pages):
    for slug in pages or slugs():
        path = os.path.join(GUIDE_DIR, locale, slug + ".md")
        with open(path, encoding="utf-8") as f:
            text = SOURCE_LINE.sub("", f.read(), count=1)
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"<!-- source: {source_stamp(slug)} -->\n{text}")
        print(f"stamped {os.path.relpath(path)}")


def report():
    todo = 0
    for locale in LOCALES[1:]:
        for slug in slugs():
            state = translation_state(slug, locale)
            if state != "current":
                todo += 1
                print(f"{locale}: {slug}.md is {state}")
    print("every page is translated" if not todo else f"{todo} pages to translate")
    return 1 if todo else 0


def diff(locale):
    # What changed in each English page since the stamp its translation carries, from git's history.
    for slug in slugs():
        if translation_state(slug, locale) != "stale":
            continue
        source = os.path.relpath(os.path.join(GUIDE_DIR, slug + ".md"))
        with open(os.path.join(GUIDE_DIR, locale, slug + ".md"), encoding="utf-8") as f:
            old = stamp_in(f.read())
        revisions = subprocess.run(["git", "log", "--format=%H", "--", source], capture_output=True, text=True,
                                   check=True).stdout.split()
        base = next((rev for rev in revisions if old and _stamp_at(rev, source) == old), None)
        print(f"# {slug}.md" + ("" if base else " (the translated source is not in git's history)"))
        if base:
            subprocess.run(["git", "--no-pager", "diff", base, "--", source], check=True)


def _stamp_at(revision, path):
    return stamp_of(subprocess.run(["git", "show", f"{revision}:{path}"], capture_output=True, check=True).stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stamp", metavar="LOCALE")
    parser.add_argument("--diff", metavar="LOCALE")
    parser.add_argument("pages", nargs="*")
    args = parser.parse_args()
    if args.stamp:
        stamp(args.stamp, [page.removesuffix(".md") for page in args.pages])
    elif args.diff:
        diff(args.diff)
    else:
        sys.exit(report())


if __name__ == "__main__":
    main()
