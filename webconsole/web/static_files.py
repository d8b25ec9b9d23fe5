"""Static files under content-hashed names, precompressed, served by WhiteNoise and cached for a year.

At start the app copies `static/` into a build folder (instance/static-build by default, git-ignored)
under fingerprinted names (`css/console.3f2a9c1b4d5e.css`), minifies our own stylesheets and scripts,
rewrites the `url(...)` references in stylesheets to those names, and writes gzip and brotli variants
beside each file. `url_for('static')`
then answers the fingerprinted name, so every template reference goes through one place. A
fingerprinted name never changes content, so browsers keep it a year without asking again; the plain
names keep working with a short cache life for anything outside that links to them.
"""
import hashlib
import os
import posixpath
import re
import tempfile

import rcssmin
import rjsmin
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from webconsole.web.security import CSP

HASH_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
# Plain names may change content under the same URL: cached briefly, then revalidated.
SHORT_LIVED = "public, max-age=60"
CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+?)\1\s*\)""")

# One build per static folder, process and state of the sources: the tests create hundreds of apps.
_builds = {}
_served = {}


def init_app(app):
    """Build the fingerprinted copies and serve them ahead of the app."""
    if app.debug:
        # While developing, Flask serves the files as they are edited, uncached.
        return
    folder = app.config.get("STATIC_BUILD_FOLDER") or os.path.join(app.instance_path, "static-build")
    manifest = build(app.static_folder, folder)
    app.extensions["static_manifest"] = manifest

    @app.url_defaults
    def fingerprinted_static_name(endpoint, values):
        name = values.get("filename")
        if endpoint == "static" and isinstance(name, str) and name in manifest:
            values["filename"] = manifest[name]

    prefix = app.static_url_path.rstrip("/") + "/"
    served = WhiteNoise(app.wsgi_app, allow_all_origins=False)
    served.files = _served_files(served, prefix, folder, manifest)
    app.wsgi_app = served


def _served_files(served, prefix, folder, manifest):
    """WhiteNoise's table of URL -> file with its headers, made once per process and build."""
    key = (prefix, os.path.abspath(folder), tuple(manifest.items()))
    if key in _served:
        return _served[key]
    immutable_urls = {prefix + hashed for hashed in manifest.values()}

    def add_headers(headers, path, url):
        headers["Cache-Control"] = IMMUTABLE if url in immutable_urls else SHORT_LIVED
        headers["X-Content-Type-Options"] = "nosniff"
        # An SVG opened on its own is a document: it gets the same policy as the pages.
        headers["Content-Security-Policy"] = CSP

    served.add_headers_function = add_headers
    # Only the current files are served: a fingerprinted name nobody generated is a 404 from Flask.
    for name, hashed in manifest.items():
        for served_name in (name, hashed):
            served.add_file_to_dictionary(prefix + served_name, os.path.join(folder, served_name))
    _served[key] = served.files
    return served.files


def build(source, folder):
    """Copy `source` into `folder` under plain and fingerprinted names; return {name: fingerprinted name}."""
    names = _source_names(source)
    state = tuple((name, os.stat(os.path.join(source, name)).st_mtime_ns) for name in names)
    key = (os.path.abspath(source), os.path.abspath(folder))
    cached = _builds.get(key)
    if cached and cached[0] == state and os.path.isdir(folder):
        return cached[1]
    manifest, contents = {}, {}
    # Stylesheets last, so the files their url(...) points at already have their names.
    for name in sorted(names, key=lambda n: (n.endswith(".css"), n)):
        with open(os.path.join(source, name), "rb") as f:
            data = f.read()
        data = minified(name, data)
        if name.endswith(".css"):
            data = rewrite_css_urls(name, data.decode("utf-8"), manifest).encode("utf-8")
        manifest[name] = fingerprinted(name, data)
        contents[name] = data
    compressor = Compressor(quiet=True)
    for name, data in contents.items():
        for served_name in (name, manifest[name]):
            _write(os.path.join(folder, served_name), data, compressor)
    _builds[key] = (state, manifest)
    return manifest


def fingerprinted(name, data):
    """`css/console.css` -> `css/console.<hash>.css`, the hash taken over the served content."""
    root, ext = posixpath.splitext(name)
    return f"{root}.{hashlib.sha256(data).hexdigest()[:HASH_LENGTH]}{ext}"


def minified(name, data):
    """Our own stylesheets and scripts without comments and spare whitespace (vendored ones come minified)."""
    if ".min." in posixpath.basename(name):
        return data
    if name.endswith(".css"):
        return rcssmin.cssmin(data.decode("utf-8")).encode("utf-8")
    if name.endswith(".js"):
        return rjsmin.jsmin(data.decode("utf-8")).encode("utf-8")
    return data


def rewrite_css_urls(name, css, manifest, prefix="/static/"):
    """Point the stylesheet's url(...) references at fingerprinted names, relative ones and /static/ ones."""
    base = posixpath.dirname(name)

    def replace(match):
        quote, url = match.group(1), match.group(2).strip()
        path = re.split(r"[?#]", url, maxsplit=1)[0]
        if url.startswith(prefix):
            target = path[len(prefix):]
        elif url.startswith(("#", "/", "data:")) or ":" in path:
            return match.group(0)
        else:
            target = posixpath.normpath(posixpath.join(base, path))
        hashed = manifest.get(target)
        if hashed is None:
            return match.group(0)
        new = prefix + hashed if url.startswith(prefix) else posixpath.relpath(hashed, base or ".")
        return f"url({quote}{new}{url[len(path):]}{quote})"

    return CSS_URL.sub(replace, css)


def _source_names(source):
    names = []
    for directory, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in files:
            if not file.startswith("."):
                names.append(os.path.relpath(os.path.join(directory, file), source).replace(os.sep, "/"))
    return sorted(names)


def _write(path, data, compressor):
    """Write a file and its compressed variants unless it already holds `data`."""
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    variants = {}
    if compressor.should_compress(path):
        variants[".gz"] = compressor.compress_gzip(data)
        if compressor.use_brotli:
            variants[".br"] = compressor.compress_brotli(data)
    for suffix in (".gz", ".br"):
        packed = variants.get(suffix)
        # A variant that saves too little is not worth the decoding: WhiteNoise then sends the file.
        if packed is not None and len(packed) <= 0.95 * len(data):
            _replace(path + suffix, packed)
        elif os.path.exists(path + suffix):
            os.unlink(path + suffix)
    # The file itself last: once it is in place, its variants are too (a later start skips it).
    _replace(path, data)


def _replace(path, data):
    # Written aside and renamed into place, so a worker starting at the same moment never serves half a file.
    fd, staged = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".staged-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(staged, 0o644)
        os.replace(staged, path)
    except BaseException:
        if os.path.exists(staged):
            os.unlink(staged)
        raise
