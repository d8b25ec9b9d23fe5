"""Background jobs: one row per job, so that its state, progress and result outlive any process."""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webconsole.extensions import db
from webconsole.models.base import utcnow


class Job(db.Model):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(255), default="")
    # Who started it; None for the console's own periodic work.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="SET NULL"))
    # The permission a person needs (besides seeing the job) to download its result.
    permission: Mapped[str] = mapped_column(String(64), default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # queued, running, succeeded, failed, cancelled
    state: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int | None] = mapped_column(BigInteger)
    # What the job needs to go on from where it was after its worker died; written with `done`.
    checkpoint: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    # The worker process running it, and when it last said so: a lease that a dead worker stops renewing.
    worker: Mapped[str] = mapped_column(String(128), default="")
    heartbeat_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # The result file, relative to the job's folder under instance/jobs/, and the name it downloads as.
    result_path: Mapped[str] = mapped_column(String(255), default="")
    result_name: Mapped[str] = mapped_column(String(255), default="")
    error: Mapped[str] = mapped_column(String(1000), default="")

    user = relationship("User")

    __table_args__ = (
        Index("ix_jobs_created_at_id", "created_at", "id"),
        Index("ix_jobs_user_id_created_at", "user_id", "created_at"),
        Index("ix_jobs_state_heartbeat_at", "state", "heartbeat_at"),
    )
