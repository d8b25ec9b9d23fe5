"""Data connections: cloud services and webhooks that post file events to an ingest URL of their own."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webconsole.extensions import db
from webconsole.models.base import utcnow


class DataConnection(db.Model):
    __tablename__ = "data_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public part of the ingest URL; random, so one connection's URL says nothing of the others.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    # Unique among connections not removed (webconsole.domain.connections): a removed one keeps its name.
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="active")  # active, paused or removed
    # Only a hash of the secret token is kept: it is shown once, when made, and can be replaced.
    token_hash: Mapped[str] = mapped_column(String(64))
    token_hint: Mapped[str] = mapped_column(String(8))
    token_created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    last_event_at: Mapped[datetime | None]
    events_received: Mapped[int] = mapped_column(BigInteger, default=0)
    events_rejected: Mapped[int] = mapped_column(BigInteger, default=0)

    errors: Mapped[list["IngestError"]] = relationship(back_populates="connection", cascade="all, delete-orphan",
                                                       order_by="IngestError.id.desc()")

    @property
    def origin(self):
        """The origin of this connection's file events (idempotency is per origin)."""
        return f"c{self.id}"


class IngestError(db.Model):
    """Why a request or an event posted to a data connection was refused; the newest few are kept."""
    __tablename__ = "data_connection_errors"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("data_connections.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    event_id: Mapped[str] = mapped_column(String(128), default="")
    message: Mapped[str] = mapped_column(String(500))

    connection: Mapped[DataConnection] = relationship(back_populates="errors")

    __table_args__ = (Index("ix_data_connection_errors_connection_id_id", "connection_id", "id"),)
