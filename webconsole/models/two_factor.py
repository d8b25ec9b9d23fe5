"""Two-factor sign-in: a user's TOTP secret and their one-time recovery codes."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webconsole.extensions import db
from webconsole.models.base import utcnow


class TwoFactor(db.Model):
    """A user's authenticator: pending until they confirm a first code (enrolled_at set)."""
    __tablename__ = "user_two_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # The TOTP secret sealed with the server's master key (domain.keystore): the table alone computes no code.
    sealed_secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enrolled_at: Mapped[datetime | None]
    # The time step (30-second window) of the last code accepted: a code from it or earlier is a replay.
    last_step: Mapped[int | None] = mapped_column(BigInteger)


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator; only its SHA-256 is kept."""
    __tablename__ = "user_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_user_recovery_codes_user_id", "user_id"),)
