"""Takes the README's screenshots (docs/screenshots/) of a console serving the demo data.

    make run                                  # in one terminal: the demo on http://127.0.0.1:5000
    .venv/bin/python scripts/screenshots.py   # in another (needs the test extra's Playwright and Debian's chromium)

Each main page as the demo administrator, in English, light and dark (the system's colour scheme, which
the console follows by default), at phone (390 x 844) and desktop (1440 x 900) size: what a person sees
on opening it, not the whole scrolled page.
"""
import argparse
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = [  # (file name, address; None: the first row of the list before it)
    ("dashboard", "/dashboard/"),
    ("users", "/users/"),
    ("user", None),
    ("devices", "/devices/"),
    ("device", None),
    ("forensic-search", "/forensic-search/?range=P30D"),
    ("alerts", "/alerts/"),
    ("matters", "/legal-hold/matters/"),
]
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}
# Chromium on a closed network: no background connections, no sandbox as root (tests/browser/conftest.py).
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--username", default="admin@example.com")
    parser.add_argument("--password", default=os.environ.get("WEBCONSOLE_DEMO_PASSWORD", "webconsole-demo"))
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "screenshots"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    options = parser.parse_args()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=options.chromium, args=ARGS)
        for scheme, size in [(scheme, size) for scheme in ("light", "dark") for size in SIZES]:
            context = browser.new_context(viewport=SIZES[size], color_scheme=scheme)
            context.add_cookies([{"name": "locale", "value": "en_US", "url": options.url}])
            page = context.new_page()
            page.goto(options.url + "/auth/signin")
            page.fill("input[name=username]", options.username)
            page.fill("input[name=password]", options.password)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            previous = None
            for name, path in PAGES:
                if path is None:  # the first row's page of the list shown before
                    page.goto(previous)
                    page.wait_for_load_state("networkidle")
                    page.locator("table tbody tr a[href]").first.click()
                else:
                    page.goto(options.url + path)
                    previous = options.url + path
                page.wait_for_load_state("networkidle")
                target = out / f"{name}-{size}{'-dark' if scheme == 'dark' else ''}.png"
                page.screenshot(path=str(target))
                print(target)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
