"""Commands queued for a device, and what the device answered."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webconsole.extensions import db
from webconsole.models.base import utcnow


class DeviceCommand(db.Model):
    __tablename__ = "device_commands"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    command: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[str] = mapped_column(String(1024), default="")
    # "pending" (queued) -> "sent" (handed over in a heartbeat) -> "done" or "expired"
    status: Mapped[str] = mapped_column(String(16), default="pending")
    output: Mapped[str] = mapped_column(Text, default="")
    exit_status: Mapped[int | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_device_commands_device_id_status", "device_id", "status"),)
