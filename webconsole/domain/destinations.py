"""Storage destinations that keep backups: "This server" and S3-compatible object storage.

An S3 destination (AWS S3, MinIO, Ceph) is where devices write their restic repositories directly,
one prefix per device, with the key the console hands them in their backup plan. Give it a bucket of
its own and a key that reaches only that bucket: every device of the destination holds the key, so
each could read (never decrypt: their repository passwords differ) or delete the others' files.
"""
import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webconsole.domain import audit, keystore, storage
from webconsole.domain.errors import ValidationError
from webconsole.extensions import db
from webconsole.models import Destination

STORED_KINDS = ("local", "s3")  # destinations that take backups from agents
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_REGION = re.compile(r"^[a-z0-9-]{0,64}$")
_KEY_ID = re.compile(r"^[A-Za-z0-9+/=._-]{3,128}$")
_PREFIX = re.compile(r"^[A-Za-z0-9._/-]{0,200}$")


def _text(values, name):
    value = values.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def create_s3(actor, values):
    """Add an S3-compatible destination from form `values`; each bad value refused naming its field."""
    name = " ".join(_text(values, "name").split())
    if not 1 <= len(name) <= 255:
        raise ValidationError(_l("Enter a name of 1 to 255 characters."), field="name", code="validation.length")
    if db.session.scalar(select(func.count()).select_from(Destination).where(func.lower(Destination.name) ==
                                                                             name.lower())):
        raise ValidationError(_l("A destination with this name already exists."), field="name",
                              code="validation.duplicate")
    endpoint = _text(values, "endpoint").rstrip("/")
    parts = urlsplit(endpoint) if len(endpoint) <= 255 else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query \
            or parts.username or parts.password:
        raise ValidationError(_l("Enter the service's address, such as https://s3.eu-west-1.amazonaws.com."),
                              field="endpoint", code="validation.format")
    bucket = _text(values, "bucket")
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise ValidationError(_l("Enter a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens."),
                              field="bucket", code="validation.format")
    prefix = _text(values, "prefix").strip("/")
    if not _PREFIX.match(prefix) or ".." in prefix:
        raise ValidationError(_l("Use letters, digits, dots, hyphens, underscores and slashes only."),
                              field="prefix", code="validation.format")
    region = _text(values, "region") or "us-east-1"
    if not _REGION.match(region):
        raise ValidationError(_l("Enter a region such as eu-west-1."), field="region", code="validation.format")
    key_id, secret = _text(values, "access_key_id"), values.get("secret_access_key", "")
    if not _KEY_ID.match(key_id):
        raise ValidationError(_l("Enter the access key ID the service gave you."), field="access_key_id",
                              code="validation.format")
    if not isinstance(secret, str) or not 8 <= len(secret) <= 256 or any(c in secret for c in "\x00\r\n"):
        raise ValidationError(_l("Enter the secret access key the service gave you."), field="secret_access_key",
                              code="validation.format")
    destination = Destination(name=name, kind="s3", location=f"{parts.hostname}/{bucket}", endpoint=endpoint,
                              bucket=bucket, prefix=prefix, region=region, access_key_id=key_id,
                              sealed_secret=keystore.seal(secret))
    db.session.add(destination)
    db.session.flush()
    audit.record("destination.create", actor=actor, obj=destination, details={
        "kind": "s3", "endpoint": endpoint, "bucket": bucket, "prefix": prefix, "region": region,
        "access_key_id": key_id})
    db.session.commit()
    return destination


def of_backup_sets(settings):
    """The destinations the backup sets of a device's settings (agents.device_settings) name, in the sets'
    order, each once; GUIDs of no destination are left out."""
    sets = settings.get("backup", {}).get("backup_sets", {}).get("value") or []
    guids = list(dict.fromkeys(str(g) for s in sets if isinstance(s, dict) for g in s.get("destinations") or ()))
    found = {d.guid: d for d in db.session.scalars(select(Destination).where(Destination.guid.in_(guids)))}
    return [found[guid] for guid in guids if guid in found]


def repository_of(destination, device):
    """(the restic repository of `device` at `destination`, the environment restic needs for it) for the
    console's own use; None for a destination that stores nothing."""
    if destination.kind == "local":
        return storage.files_of(device).path, {}
    if destination.kind == "s3":
        return s3_repository(destination, device), s3_environment(destination)
    return None


def s3_repository(destination, device):
    folder = "/".join(p for p in (destination.bucket, destination.prefix, device.guid) if p)
    return f"s3:{destination.endpoint}/{folder}"


def s3_environment(destination):
    """The credentials restic reads from its environment for an S3 repository."""
    return {"AWS_ACCESS_KEY_ID": destination.access_key_id,
            "AWS_SECRET_ACCESS_KEY": keystore.unseal(destination.sealed_secret or ""),
            "AWS_DEFAULT_REGION": destination.region or "us-east-1"}
