"""API clients: programs that call the REST API with a client id and secret, acting with their own roles."""
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webconsole.extensions import db
from webconsole.models.base import utcnow
from webconsole.models.users import Role

api_client_roles = Table(
    "api_client_roles",
    db.metadata,
    Column("api_client_id", ForeignKey("api_clients.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class ApiClient(db.Model):
    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the secret, shown once when the client is made: the table alone signs no one in.
    secret_hash: Mapped[str] = mapped_column(String(64))
    # Roles scoped to "subtree" reach this org and those below it, as a user's do from theirs.
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_username: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    org: Mapped["Org"] = relationship(lazy="joined")  # noqa: F821
    roles: Mapped[list[Role]] = relationship(secondary=api_client_roles, lazy="selectin")

    __table_args__ = (Index("ix_api_clients_name_id", "name", "id"),
                      Index("ix_api_clients_created_at_id", "created_at", "id"))
