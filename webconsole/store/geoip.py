"""The GeoIP database (a MaxMind .mmdb file such as GeoLite2-City), opened once per process.

The file is memory-mapped by maxminddb's C reader, which is safe for concurrent reads, so every
request thread shares one reader. It is opened at the first lookup, not at start-up: a missing or
broken file must never stop the console from starting. A file that cannot be opened is logged once
and remembered as unreadable until the process restarts (which is also how a replaced file is
picked up: the reader keeps the file it mapped).
"""
import logging
import threading

import maxminddb

log = logging.getLogger(__name__)

_lock = threading.Lock()
# path -> an open Reader, or None when that path could not be opened. Keyed by path because tests
# (and, in principle, several apps in one process) configure different files.
_readers = {}


def reader(path):
    """The open reader of the database at `path`, or None when it cannot be read (logged once)."""
    try:
        return _readers[path]
    except KeyError:
        pass
    with _lock:
        if path not in _readers:
            _readers[path] = _open(path)
        return _readers[path]


def _open(path):
    try:
        return maxminddb.open_database(path)
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as error:
        # ValueError: a path with a NUL; InvalidDatabaseError: not a MaxMind DB file (or a folder).
        log.warning("The GeoIP database %r cannot be read, so devices' cities are not shown: %s", path, error)
        return None

