"""Watchlists (Departing Employees, High Risk Employees) and the risk profile every user may have.

A user's departure date, notes, cloud aliases and risk factors belong to the user (their risk
profile), not to one list: the Departing Employees list shows the date, High Risk Employees the
factors, and the user's profile both.
"""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webconsole.extensions import db
from webconsole.models.base import utcnow


class RiskProfile(db.Model):
    __tablename__ = "user_risk_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    departure_date: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    # Other names the user goes by in cloud services (e-mail addresses): their events count as theirs.
    cloud_aliases: Mapped[list] = mapped_column(JSON, default=list)
    # Keys of webconsole.domain.watchlists.RISK_FACTORS.
    risk_factors: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_user_risk_profiles_departure_date", "departure_date", "user_id"),)


class WatchlistMember(db.Model):
    """A user on a watchlist ("departing" or "high_risk"), now."""
    __tablename__ = "watchlist_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    watchlist: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821

    __table_args__ = (
        UniqueConstraint("watchlist", "user_id"),
        Index("ix_watchlist_members_watchlist_added_at_id", "watchlist", "added_at", "id"),
        Index("ix_watchlist_members_user_id", "user_id"),
    )


class WatchlistChange(db.Model):
    """The membership history: a user added to or removed from a watchlist, by whom, when."""
    __tablename__ = "watchlist_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    watchlist: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))  # added, removed
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_username: Mapped[str] = mapped_column(String(255), default="")

    __table_args__ = (
        Index("ix_watchlist_history_user_id_id", "user_id", "id"),
        Index("ix_watchlist_history_watchlist_id", "watchlist", "id"),
    )
