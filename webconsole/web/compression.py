"""Pages, fragments and JSON compressed on the way out (Flask-Compress), so no proxy is needed for it."""
import gzip

import brotli
from flask import request
from flask_compress import Compress

compress = Compress()


def init_app(app):
    """Compress text responses the app renders; WhiteNoise sends static files precompressed."""
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "application/json"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # Streamed responses (exports, restores) go out as they are produced, uncompressed.
    app.config.setdefault("COMPRESS_STREAMS", False)
    compress.init_app(app)


# The fastest levels, for large answers (an API page of 10 000 file events, about 8 MB of JSON): brotli's
# quality 4, Flask-Compress's default, took 140 ms of such a page's CPU, quality 1 31 ms for an answer a
# fifth larger (1.5 MB instead of 1.3); gzip's level 6 took 111 ms, level 1 54 ms.
FAST = {"br": lambda data: brotli.compress(data, quality=1), "gzip": lambda data: gzip.compress(data, 1)}


def compress_fast(response):
    """`response` compressed at the fastest levels in an encoding the client accepts (Flask-Compress then
    leaves it as it is: it already has a Content-Encoding)."""
    chosen = request.accept_encodings.best_match(tuple(FAST))
    if chosen is None or response.is_streamed or "Content-Encoding" in response.headers:
        return response
    response.set_data(FAST[chosen](response.get_data()))
    response.headers["Content-Encoding"] = chosen
    response.vary.add("Accept-Encoding")
    return response
