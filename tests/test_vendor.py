"""Vendored assets are exactly the files recorded in static/vendor/README.md."""
import hashlib
import pathlib
import re

VENDOR = pathlib.Path("webconsole/static/vendor")


def test_vendored_files_match_their_recorded_checksums():
    table = (VENDOR / "README.md").read_text()
    recorded = dict(re.findall(r"\| `([^`]+)` \|[^\n]*\| `([0-9a-f]{64})` \|", table))
    files = {p.name for p in VENDOR.iterdir() if p.name != "README.md"}
    assert set(recorded) == files
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_pages_load_htmx_from_the_vendored_file(client):
    html = client.get("/auth/signin").get_data(as_text=True)
    # The file under its content-hashed name (webconsole/web/static_files.py).
    assert re.search(r'src="/static/vendor/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js"', html)
    assert "://" not in re.sub(r'href="https?://[^"]*"', "", html.split("<body")[0])


def test_the_browser_tests_axe_core_is_the_recorded_file():
    folder = pathlib.Path("tests/browser/vendor")
    recorded = dict(re.findall(r"\| `([^`]+)` \|[^\n]*\| `([0-9a-f]{64})` \|", (folder / "README.md").read_text()))
    assert set(recorded) == {"axe.min.js"}
    assert hashlib.sha256((folder / "axe.min.js").read_bytes()).hexdigest() == recorded["axe.min.js"]
