"""How far a streamed export has got, kept in the database so that any server process can report it."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webconsole.extensions import db
from webconsole.models.base import utcnow


class ExportProgress(db.Model):
    __tablename__ = "export_progress"

    # Random, made by the browser that asked for the export; only its user can read the progress.
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rows: Mapped[int] = mapped_column(BigInteger, default=0)
    # The list's bounded count when the export started: exact, or "more than" when `total_exact` is false.
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    total_exact: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(String(8), default="running")  # running, done, failed
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
