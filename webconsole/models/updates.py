"""Agent versions the server offers."""
from datetime import date, datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webconsole.extensions import db
from webconsole.models.base import utcnow


class AgentVersion(db.Model):
    __tablename__ = "agent_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(16))  # "windows", "macos", "linux"
    released_on: Mapped[date]
    notes: Mapped[str] = mapped_column(Text, default="")
    # Blocked everywhere: no device is offered it, whatever its org's policy.
    blocked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("version", "platform"),)
