"""Organizations: a tree, stored with a materialised path for subtree scoping."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webconsole.extensions import db
from webconsole.models.base import new_guid, utcnow


class Org(db.Model):
    __tablename__ = "orgs"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_guid)
    name: Mapped[str] = mapped_column(String(220))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
    # "/1/4/9/": the ids from the root down to this org; a subtree is a prefix match.
    path: Mapped[str] = mapped_column(String(512), default="")
    ext_ref: Mapped[str] = mapped_column(String(255), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    registration_key: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Users of this org and every org below it must sign in with a second factor (domain.two_factor).
    require_two_factor: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parent: Mapped["Org | None"] = relationship(remote_side=[id])

    __table_args__ = (
        Index("ix_orgs_name_id", "name", "id"),
        Index("ix_orgs_path", "path"),
        Index("ix_orgs_parent_id", "parent_id"),
    )

    @property
    def depth(self):
        """How many levels below the root this org sits."""
        return self.path.count("/") - 2


class OrgTotals(db.Model):
    """An org's own active users and active devices with their selected and stored bytes (subtrees not
    rolled up), which the organization report shows for every org at once.

    Kept by database triggers on orgs, users and devices (migration 0015), so that every change, however
    it is made, moves the totals in the same transaction; summing 200 000 devices for each report cost
    45 ms. Rows are never written by the application. On PostgreSQL, transactions changing devices of one
    org queue for its row until they commit, so such transactions stay short (an agent's report is one).
    """
    __tablename__ = "org_totals"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    users: Mapped[int] = mapped_column(default=0)
    devices: Mapped[int] = mapped_column(default=0)
    selected_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    archive_bytes: Mapped[int] = mapped_column(BigInteger, default=0)


class OrgDestinationTotals(db.Model):
    """What an org's own devices store at one destination: how many have an archive there and its bytes,
    deactivated devices included (an archive occupies the destination until it is purged).

    Kept by database triggers on backup states and devices (migration 0016), like OrgTotals: the dashboard
    reads storage per destination here instead of joining every backup state of the scope to its device
    (91 ms for an Org Admin at 200 000 devices). Rows are never written by the application.
    """
    __tablename__ = "org_destination_totals"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("destinations.id", ondelete="CASCADE"), primary_key=True)
    devices: Mapped[int] = mapped_column(default=0)
    archive_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
