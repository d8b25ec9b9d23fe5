"""Per-user preferences kept on the server, so they follow the user to any browser."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webconsole.extensions import db
from webconsole.models.base import utcnow


class ListPreference(db.Model):
    __tablename__ = "list_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    list_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # {"column key": width in px}
    widths: Mapped[dict] = mapped_column(JSON, default=dict)
    # ["column key", ...] the user chose to see; NULL: the list's default columns
    columns: Mapped[list | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
