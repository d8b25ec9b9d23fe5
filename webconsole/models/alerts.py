"""Alert rules, the alerts they raise, and the history of each alert's triage.

Rules are evaluated as file events are committed (webconsole.domain.alert_rules); an alert keeps
the rule's threshold as it was when it fired, so editing a rule later never rewrites why an older
alert fired. Event ids are kept without a foreign key: retention may delete an event, and its
alert stays, saying how many of its events are no longer stored.
"""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Index, Integer, SmallInteger, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webconsole.extensions import db
from webconsole.models.base import utcnow
from webconsole.models.events import EventKey

alert_rule_users = Table(
    "alert_rule_users",
    db.metadata,
    Column("rule_id", ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class AlertRule(db.Model):
    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique among rules not deleted (webconsole.domain.alert_rules); a deleted rule keeps its name for its alerts.
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(8))  # low, medium, high, critical
    # removable_media, cloud_sync, upload, email, cloud_share or any (webconsole.domain.alert_rules.VECTORS)
    vector: Mapped[str] = mapped_column(String(16))
    # File filters: any of these categories (none: every category), a part of the name or path, a size.
    categories: Mapped[list] = mapped_column(JSON, default=list)
    name_part: Mapped[str] = mapped_column(String(255), default="")
    min_size: Mapped[int | None] = mapped_column(BigInteger)
    # More than `threshold` files (or bytes) within `window_amount` minutes, hours or days.
    threshold_kind: Mapped[str] = mapped_column(String(8))  # files, bytes
    threshold: Mapped[int] = mapped_column(BigInteger)
    window_amount: Mapped[int] = mapped_column(Integer)
    window_unit: Mapped[str] = mapped_column(String(8))  # minutes, hours, days
    # Whose events: everyone, departing, high_risk (a watchlist) or users (alert_rule_users).
    watch: Mapped[str] = mapped_column(String(16), default="everyone")
    recipients: Mapped[list] = mapped_column(JSON, default=list)  # e-mail addresses
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    modified_at: Mapped[datetime] = mapped_column(default=utcnow)
    modified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None]

    users: Mapped[list["User"]] = relationship(secondary=alert_rule_users, lazy="selectin")  # noqa: F821

    __table_args__ = (
        Index("ix_alert_rules_name_id", "name", "id"),
        Index("ix_alert_rules_enabled", "enabled", "deleted_at"),
    )


class Alert(db.Model):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id"))
    # The actor: the user whose events these are (none for events of an unknown user), and the name
    # the events gave, kept as it was.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(100))  # the rule's name when it fired
    severity: Mapped[str] = mapped_column(String(8))
    vector: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(12), default="open")  # open, in_progress, pending, resolved
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The matching events: how many, their bytes, the first and last moment they happened.
    file_count: Mapped[int] = mapped_column(Integer)
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    first_event_at: Mapped[datetime]
    last_event_at: Mapped[datetime]
    # The rule's threshold when it fired.
    threshold_kind: Mapped[str] = mapped_column(String(8))
    threshold: Mapped[int] = mapped_column(BigInteger)
    window_amount: Mapped[int] = mapped_column(Integer)
    window_unit: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    state_changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    rule: Mapped[AlertRule] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_alerts_created_at_id", "created_at", "id"),
        Index("ix_alerts_state_created_at_id", "state", "created_at", "id"),
        Index("ix_alerts_severity_id", "severity", "id"),
        Index("ix_alerts_user_id_id", "user_id", "id"),
        Index("ix_alerts_rule_id_id", "rule_id", "id"),
        Index("ix_alerts_assignee_id_id", "assignee_id", "id"),
        Index("ix_alerts_org_id_id", "org_id", "id"),
    )


class AlertEvent(db.Model):
    """A file event an alert was raised for. A rule alerts on an event once: (rule, event) is unique."""
    __tablename__ = "alert_events"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(EventKey, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id"))

    __table_args__ = (Index("uq_alert_events_rule_id_event_id", "rule_id", "event_id", unique=True),)


class ExposureCount(db.Model):
    """How many files of one kind an actor exposed in an hour or a day, and their bytes: what lets a rule
    tell, without reading the events, that its window cannot exceed its threshold.

    Kept in the transaction that stores the events (webconsole.domain.exposure_counts), so it never
    falls short of them. The actor is the user (user_id) or, for events no user is known for, the
    name they gave (user_id 0). `hour` is hours since 1970-01-01 UTC, a multiple of `span` (1 or 24).
    """
    __tablename__ = "exposure_counts"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(255), primary_key=True)
    span: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    exposure: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    category: Mapped[str] = mapped_column(String(24), primary_key=True)
    files: Mapped[int] = mapped_column(BigInteger)
    bytes: Mapped[int] = mapped_column(BigInteger)  # saturates at exposure_counts.BYTES_MAX
    max_id: Mapped[int] = mapped_column(BigInteger)  # the newest event counted


class AlertChange(db.Model):
    """An alert's history: raised, state changed (with its note), assigned, a note added."""
    __tablename__ = "alert_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_username: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(12))  # raised, state, assigned, note
    from_state: Mapped[str] = mapped_column(String(12), default="")
    to_state: Mapped[str] = mapped_column(String(12), default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_alert_history_alert_id_id", "alert_id", "id"),)


class NotificationMark(db.Model):
    """How far a user has read the alerts they can see: the bell counts the ones after it."""
    __tablename__ = "notification_marks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    seen_alert_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OutgoingMail(db.Model):
    """A message to send (alert notifications): kept until sent, so none is lost and none sent twice.

    A sending job claims a message by moving `next_attempt_at` ahead of its attempt; a failed attempt
    is retried with backoff until `MAX_ATTEMPTS` (webconsole.domain.notifications).
    """
    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(16), default="en_US")
    # What the message is about, to render it in the recipient's language when it is sent.
    kind: Mapped[str] = mapped_column(String(16))  # alert, digest
    alert_ids: Mapped[list] = mapped_column(JSON, default=list)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (Index("ix_outgoing_mail_sent_at_next_attempt_at", "sent_at", "next_attempt_at"),)
