"""URL helpers shared by the doors."""
from urllib.parse import urlsplit


def local_path(target):
    """`target` if it is a path on this site, else None (so `next` never redirects elsewhere)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
