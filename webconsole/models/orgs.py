"""Organizations: a tree, stored with a materialised path for subtree scoping."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
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
