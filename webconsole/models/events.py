"""File events: what endpoints and cloud services saw happen to files. The big table.

Columns follow the original's v1 file-event fields (see docs/agent-protocol.md). List-valued
fields are JSON; `exposure` is a bit set (webconsole.domain.events.EXPOSURES) so one integer
column answers "exposed to removable media" without a join.
"""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webconsole.extensions import db
from webconsole.models.base import utcnow

# SQLite only aliases the rowid for INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
EventKey = BigInteger().with_variant(Integer(), "sqlite")


class FileEvent(db.Model):
    __tablename__ = "file_events"

    id: Mapped[int] = mapped_column(EventKey, primary_key=True, autoincrement=True)
    # Idempotency: the same event id from the same origin ("d<device id>", "import", ...) is stored once.
    origin: Mapped[str] = mapped_column(String(24))
    event_id: Mapped[str] = mapped_column(String(128))
    event_type: Mapped[str] = mapped_column(String(16))
    event_at: Mapped[datetime]
    inserted_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(16), default="Endpoint")

    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(255), default="")
    os_user: Mapped[str] = mapped_column(String(255), default="")
    hostname: Mapped[str] = mapped_column(String(255), default="")
    public_ip: Mapped[str] = mapped_column(String(64), default="")
    private_ips: Mapped[list | None] = mapped_column(JSON)

    file_name: Mapped[str] = mapped_column(Text)
    file_path: Mapped[str] = mapped_column(Text)
    file_category: Mapped[str] = mapped_column(String(24), default="")
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    file_owner: Mapped[str] = mapped_column(String(255), default="")
    md5: Mapped[str] = mapped_column(String(32), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    mime_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)

    exposure: Mapped[int] = mapped_column(Integer, default=0)
    sync_destination: Mapped[str] = mapped_column(String(32), default="")
    sync_username: Mapped[str] = mapped_column(String(255), default="")
    removable_media: Mapped[dict | None] = mapped_column(JSON)
    tab_urls: Mapped[list | None] = mapped_column(JSON)
    tab_titles: Mapped[list | None] = mapped_column(JSON)
    destination_category: Mapped[str] = mapped_column(String(64), default="")
    destination_name: Mapped[str] = mapped_column(String(255), default="")
    email_subject: Mapped[str] = mapped_column(Text, default="")
    email_sender: Mapped[str] = mapped_column(String(255), default="")
    email_recipients: Mapped[list | None] = mapped_column(JSON)
    printer_name: Mapped[str] = mapped_column(String(255), default="")
    print_job_name: Mapped[str] = mapped_column(Text, default="")
    process_name: Mapped[str] = mapped_column(Text, default="")
    process_owner: Mapped[str] = mapped_column(String(255), default="")

    outside_active_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_indicators: Mapped[list | None] = mapped_column(JSON)
    risk_severity: Mapped[int] = mapped_column(SmallInteger, default=0)
    risk_score: Mapped[int] = mapped_column(SmallInteger, default=0)

    __table_args__ = (
        Index("uq_file_events_origin_event_id", "origin", "event_id", unique=True),
        # The clients name an event by its source id alone (a case's events, `event.id IS ...` searches).
        Index("ix_file_events_event_id", "event_id"),
        Index("ix_file_events_event_at_id", "event_at", "id"),
        Index("ix_file_events_device_id_event_at", "device_id", "event_at", "id"),
        Index("ix_file_events_user_id_event_at", "user_id", "event_at", "id"),
        Index("ix_file_events_sha256", "sha256"),
        # ix_file_events_md5 exists on PostgreSQL only, and on SQLite ix_file_events_event_at_id holds
        # file_name too (webconsole.models.search.DIALECT_INDEXES).
    )
