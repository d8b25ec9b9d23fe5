"""Legal hold: preservation policies, matters, their custodians, the history of both, and collections."""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webconsole.extensions import db
from webconsole.models.base import utcnow


class PreservationPolicy(db.Model):
    """What a hold preserves on its custodians' devices: how often they back up, which versions are
    kept (ahead of the devices' own Versions settings while held), and which files."""
    __tablename__ = "preservation_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # frequency_minutes, versions_last_week, versions_last_90_days, versions_last_year, versions_older,
    # remove_deleted_days: the backup group's settings of the same names.
    backup: Mapped[dict] = mapped_column(JSON, default=dict)
    included_paths: Mapped[list] = mapped_column(JSON, default=list)
    excluded_paths: Mapped[list] = mapped_column(JSON, default=list)
    filename_exclusions: Mapped[list] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_username: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_preservation_policies_name_id", "name", "id"),
                      Index("ix_preservation_policies_created_at_id", "created_at", "id"))


class Matter(db.Model):
    """A legal hold: the custodians whose data is preserved by its policy while it is active."""
    __tablename__ = "matters"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str] = mapped_column(String(255), default="")
    policy_id: Mapped[int] = mapped_column(ForeignKey("preservation_policies.id"))
    # The org of whoever created it: the matter is in that org's scope.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(8), default="active")  # active, inactive
    # Active custodians, kept with every membership change so the list sorts by it.
    custodian_count: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_username: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deactivated_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_matters_name_id", "name", "id"),
        Index("ix_matters_created_at_id", "created_at", "id"),
        Index("ix_matters_status_id", "status", "id"),
        Index("ix_matters_policy_id", "policy_id"),
    )


class Custodian(db.Model):
    """A user's membership of a matter; removing them deactivates the row, adding them again reactivates it."""
    __tablename__ = "custodians"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("matter_id", "user_id"), Index("ix_custodians_user_id", "user_id", "active"))


class HoldEvent(db.Model):
    """One change of a matter or of its custodians: its history, per matter and per user."""
    __tablename__ = "hold_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"))
    # HoldCreated, HoldDeactivated, HoldReactivated, MembershipCreated, MembershipDeactivated,
    # MembershipReactivated, Collection
    event_type: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    custodian_username: Mapped[str] = mapped_column(String(255), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_username: Mapped[str] = mapped_column(String(255), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_hold_events_matter_id_id", "matter_id", "id"),
                      Index("ix_hold_events_user_id_id", "user_id", "id"))


class Collection(db.Model):
    """A collection of a matter's custodians (or one of them) for a date range: the job that builds its
    package, and once built, the package's SHA-256 and what it holds."""
    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(255), default="")  # "" for every custodian
    date_from: Mapped[datetime | None]
    date_to: Mapped[datetime | None]
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_username: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(8), default="running")  # running, done, failed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    sha256: Mapped[str] = mapped_column(String(64), default="")
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    files: Mapped[int] = mapped_column(BigInteger, default=0)
    events: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str] = mapped_column(String(1000), default="")

    __table_args__ = (Index("ix_collections_matter_id_id", "matter_id", "id"),)
