"""Where backups really go: each device's restic repository at a destination, and its key.

A destination of kind "local" is this console's own storage (webconsole.store.repository_files,
served over restic's REST protocol); the repository of each device there is a folder of its own.
"""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webconsole.extensions import db
from webconsole.models.base import utcnow


class Repository(db.Model):
    """A device's repository at a destination: what it takes up, and the last `restic check` of it."""
    __tablename__ = "repositories"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    destination_id: Mapped[int] = mapped_column(ForeignKey("destinations.id"))
    # Kept as files are written and deleted, so a quota is checked without walking the folder.
    stored_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    stored_files: Mapped[int] = mapped_column(BigInteger, default=0)
    # Nothing but locks may be deleted (legal hold): forget and prune are refused.
    append_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_write_at: Mapped[datetime | None]
    checked_at: Mapped[datetime | None]
    check_result: Mapped[str] = mapped_column(String(8), default="")  # "", ok, failed
    check_message: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("device_id", "destination_id"),)


class DeviceKey(db.Model):
    """How a device's repositories are encrypted (the org's Keystore setting when it was made), and,
    for the standard key only, the repository password sealed with the server's master key."""
    __tablename__ = "device_keys"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    key_type: Mapped[str] = mapped_column(String(8))  # standard, password, custom
    sealed_password: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Restore(db.Model):
    """A restore someone asked for: from which device and version, what, and where it went."""
    __tablename__ = "restores"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_username: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(8))  # download, device
    destination_id: Mapped[int | None] = mapped_column(ForeignKey("destinations.id"))  # the repository read
    snapshot_id: Mapped[str] = mapped_column(String(64))
    snapshot_at: Mapped[datetime | None]
    paths: Mapped[list] = mapped_column(JSON, default=list)
    files: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    target: Mapped[str] = mapped_column(Text, default="")  # device restores: the folder ("" the original place)
    conflict: Mapped[str] = mapped_column(String(12), default="")  # device restores: overwrite, rename
    command_id: Mapped[int | None] = mapped_column(ForeignKey("device_commands.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="done")  # done, failed, sent, running
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_restores_device_id_id", "device_id", "id"),
                      Index("ix_restores_requested_by_id", "requested_by", "id"))
