"""Daily storage use per org and destination, for the dashboard's trend."""
from datetime import date

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from webconsole.extensions import db


class StorageUsage(db.Model):
    __tablename__ = "storage_usage"

    day: Mapped[date] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("destinations.id", ondelete="CASCADE"), primary_key=True)
    archive_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    devices: Mapped[int] = mapped_column(default=0)
