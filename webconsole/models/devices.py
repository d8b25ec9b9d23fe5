"""Devices, storage destinations and each device's backup state per destination."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webconsole.extensions import db
from webconsole.models.base import new_guid, utcnow


class Destination(db.Model):
    __tablename__ = "destinations"

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(32), unique=True, default=new_guid)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    # "local" (this console's own storage), "s3" (S3-compatible object storage the devices write to),
    # or "cloud" and "server" (destinations whose numbers agents report; they store nothing here)
    kind: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(255), default="")
    capacity_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # S3: where each device's repository goes (<endpoint>/<bucket>/<prefix><device guid>) and the key
    # devices write with, its secret sealed with the Keystore's master key.
    endpoint: Mapped[str] = mapped_column(String(255), default="")
    bucket: Mapped[str] = mapped_column(String(63), default="")
    prefix: Mapped[str] = mapped_column(String(255), default="")
    region: Mapped[str] = mapped_column(String(64), default="")
    access_key_id: Mapped[str] = mapped_column(String(128), default="")
    sealed_secret: Mapped[str | None] = mapped_column(Text)


class Device(db.Model):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(32), unique=True, default=new_guid)
    name: Mapped[str] = mapped_column(String(255))
    hostname: Mapped[str] = mapped_column(String(255), default="")
    os: Mapped[str] = mapped_column(String(16))  # "windows", "macos" or "linux"
    os_version: Mapped[str] = mapped_column(String(64), default="")
    agent_version: Mapped[str] = mapped_column(String(32), default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    # SHA-256 of the secret the agent got at registration (a random 256-bit token, so no slow KDF).
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64), default="")
    remote_address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_connected: Mapped[datetime | None]
    # Summary over all destinations, kept by the domain whenever a backup state changes,
    # so the devices list can sort and page on them with an index.
    selected_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    archive_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    percent_complete: Mapped[float] = mapped_column(default=0.0)
    last_backup: Mapped[datetime | None]
    last_completed_backup: Mapped[datetime | None]

    user: Mapped["User"] = relationship()  # noqa: F821
    org: Mapped["Org"] = relationship()  # noqa: F821
    backup_states: Mapped[list["BackupState"]] = relationship(
        back_populates="device", order_by="BackupState.destination_id"
    )

    __table_args__ = (
        Index("ix_devices_name_id", "name", "id"),
        Index("ix_devices_hostname_id", "hostname", "id"),
        Index("ix_devices_os_id", "os", "id"),
        Index("ix_devices_agent_version_id", "agent_version", "id"),
        Index("ix_devices_status_id", "status", "id"),
        Index("ix_devices_user_id_id", "user_id", "id"),
        Index("ix_devices_org_id_id", "org_id", "id"),
        Index("ix_devices_last_connected_id", "last_connected", "id"),
        Index("ix_devices_last_completed_backup_id", "last_completed_backup", "id"),
        Index("ix_devices_percent_complete_id", "percent_complete", "id"),
        Index("ix_devices_selected_bytes_id", "selected_bytes", "id"),
        Index("ix_devices_archive_bytes_id", "archive_bytes", "id"),
        # Covering the per-org figures of the dashboard and reports: active devices not backed up
        # since a date (alert counts), connected since a time, and their selected and stored bytes.
        Index("ix_devices_status_org_id_last_completed_backup", "status", "org_id", "last_completed_backup",
              "created_at", "selected_bytes", "archive_bytes", "last_connected"),
    )


class BackupState(db.Model):
    __tablename__ = "backup_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    destination_id: Mapped[int] = mapped_column(ForeignKey("destinations.id"))
    selected_files: Mapped[int] = mapped_column(BigInteger, default=0)
    selected_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    percent_complete: Mapped[float] = mapped_column(default=0.0)
    archive_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    last_backup: Mapped[datetime | None]
    last_completed_backup: Mapped[datetime | None]
    last_connected: Mapped[datetime | None]
    # What the agent's backup engine said of its latest run (restic's JSON summary).
    status: Mapped[str] = mapped_column(String(12), default="")  # "", running, completed, failed
    files_new: Mapped[int] = mapped_column(BigInteger, default=0)
    files_changed: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_new: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    snapshot_id: Mapped[str] = mapped_column(String(64), default="")

    device: Mapped[Device] = relationship(back_populates="backup_states")
    destination: Mapped[Destination] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("device_id", "destination_id"),
        # Covering: storage per destination is summed from the index alone.
        Index("ix_backup_states_destination_id", "destination_id", "archive_bytes"),
    )
