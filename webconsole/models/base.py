"""Helpers shared by the models."""
import secrets
from datetime import UTC, datetime


def utcnow():
    """Naive UTC now: timestamps are stored without a zone on SQLite and PostgreSQL alike."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_guid():
    """An 18-digit numeric GUID, the shape Code42 clients expect for orgs, users and devices."""
    return str(secrets.randbelow(9 * 10**17) + 10**17)
