"""Pages, fragments and JSON compressed on the way out (Flask-Compress), so no proxy is needed for it."""
from flask_compress import Compress

compress = Compress()


def init_app(app):
    """Compress text responses the app renders; WhiteNoise sends static files precompressed."""
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "application/json"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # Streamed responses (exports, restores) go out as they are produced, uncompressed.
    app.config.setdefault("COMPRESS_STREAMS", False)
    compress.init_app(app)
