"""Static files: fingerprinted names, a year's immutable cache, precompressed variants; pages compressed."""
import gzip
import os
import re

import brotli
from flask import url_for

from tests.conftest import base_config
from webconsole import create_app
from webconsole.web.static_files import IMMUTABLE, build

FINGERPRINTED = re.compile(r'(?:src|href)="/static/([\w./-]+)\.([0-9a-f]{12})\.(css|js|svg)"')


def test_pages_reference_static_files_by_fingerprinted_names(client, app):
    html = client.get("/auth/signin").get_data(as_text=True)
    referenced = {f"{root}.{ext}" for root, _hash, ext in FINGERPRINTED.findall(html)}
    assert {"css/console.css", "js/console.js", "vendor/htmx-2.0.11.min.js", "img/logo.svg"} <= referenced
    every = re.findall(r'(?:src|href)="/static/([^"#]+)', html)
    assert every and all(re.search(r"\.[0-9a-f]{12}\.\w+$", name) for name in every), every
    manifest = app.extensions["static_manifest"]
    assert f'href="/static/{manifest["css/console.css"]}"' in html


def test_icons_use_the_fingerprinted_sprite(client, app, world, sign_in):
    sign_in("admin@acme.test")
    html = client.get("/devices/").get_data(as_text=True)
    sprite = app.extensions["static_manifest"]["img/icons.svg"]
    assert f'<use href="/static/{sprite}#' in html
    assert "icons.svg#" not in html


def test_a_fingerprinted_file_is_cached_for_a_year_as_immutable(client, app):
    name = app.extensions["static_manifest"]["css/console.css"]
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert b".toolbar" in response.data


def test_the_plain_name_still_works_with_a_short_cache_life(client, app):
    plain = client.get("/static/css/console.css")
    hashed = client.get("/static/" + app.extensions["static_manifest"]["css/console.css"])
    assert plain.status_code == 200
    assert plain.data == hashed.data
    assert plain.headers["Cache-Control"] == "public, max-age=60"


def test_compressed_variants_are_sent_when_asked(client, app):
    url = "/static/" + app.extensions["static_manifest"]["vendor/htmx-2.0.11.min.js"]
    plain = client.get(url).data
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain
    assert len(zipped.data) < len(plain) / 2
    squeezed = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert squeezed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(squeezed.data) == plain
    assert "Content-Encoding" not in client.get(url).headers


def test_an_unknown_fingerprint_is_not_found(client):
    assert client.get("/static/css/console.0123456789ab.css").status_code == 404
    assert client.get("/static/css/nothing.css").status_code == 404


def test_pages_are_compressed_when_asked(client):
    page = client.get("/auth/signin", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert b"<form" in gzip.decompress(page.data)
    assert "Content-Encoding" not in client.get("/auth/signin").headers


def test_a_changed_file_gets_a_new_name(tmp_path):
    source, out = tmp_path / "static", tmp_path / "build"
    (source / "img").mkdir(parents=True)
    (source / "css").mkdir()
    (source / "img" / "mark.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    rules = "".join(f".c{i} {{ color: #{i:06x}; padding: 4px; }}\n" for i in range(40))
    (source / "css" / "site.css").write_text(
        '.a { background: url("../img/mark.svg#x") }\n.b { background: url(data:image/png;base64,AA==) }\n' + rules)
    first = build(str(source), str(out))
    assert re.fullmatch(r"img/mark\.[0-9a-f]{12}\.svg", first["img/mark.svg"])
    css = (out / first["css/site.css"]).read_text()
    # Stylesheets point at the fingerprinted names, so a changed image reaches the browser too.
    assert f'url("../{first["img/mark.svg"]}#x")' in css
    assert "url(data:image/png;base64,AA==)" in css
    assert (out / (first["css/site.css"] + ".gz")).exists()

    mark = source / "img" / "mark.svg"
    mark.write_text('<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0h1"/></svg>')
    stat = os.stat(mark)
    os.utime(mark, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = build(str(source), str(out))
    assert second["img/mark.svg"] != first["img/mark.svg"]
    assert second["css/site.css"] != first["css/site.css"]
    assert (out / second["img/mark.svg"]).read_text() == mark.read_text()
    assert (out / "img" / "mark.svg").read_text() == mark.read_text()


def test_url_for_answers_the_fingerprinted_name_and_debug_the_plain_one(app, database_url):
    hashed = app.extensions["static_manifest"]["js/console.js"]
    with app.test_request_context():
        assert url_for("static", filename="js/console.js") == f"/static/{hashed}"
        assert url_for("static", filename="js/unknown.js") == "/static/js/unknown.js"
    developing = create_app({**base_config(database_url), "DEBUG": True})
    with developing.test_request_context():
        # While developing, Flask serves the files as they are edited.
        assert url_for("static", filename="js/console.js") == "/static/js/console.js"
