"""Device settings: an org's own values per settings group, and each device's values."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webconsole.extensions import db
from webconsole.models.base import utcnow


class OrgSettings(db.Model):
    """A settings group an org owns (no row: the org inherits the group from its parent)."""

    __tablename__ = "org_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    group: Mapped[str] = mapped_column(String(16))
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    # Locked: pushed to every device below, and neither users nor lower orgs may change it.
    locked: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("org_id", "group"),)


class DeviceSettings(db.Model):
    """A device's own copy of a settings group, taken at registration and rewritten by a push."""

    __tablename__ = "device_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    group: Mapped[str] = mapped_column(String(16))
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    # {setting key: id of the org whose push or defaults set it, or null when set on the device}
    sources: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("device_id", "group"),)


class OrgEffectiveSettings(db.Model):
    """What the devices of an org receive per settings group, worked out when settings or the tree change.

    groups: {group key: {"values": the deciding org's own values, or null for the built-in
    defaults (completed with the defaults when read, so a setting added in a release takes its
    default), "locked": whether devices below must take these values, "source": that org's id}}.
    A heartbeat reads this one row instead of walking the org chain per group.
    """

    __tablename__ = "org_effective_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    groups: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
