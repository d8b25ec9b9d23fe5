"""Users, roles with their permissions, and sign-in attempts."""
from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webconsole.extensions import db
from webconsole.models.base import new_guid, utcnow

user_roles = Table(
    "user_roles",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Role(db.Model):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    # Which objects the role reaches: "all", "subtree" (the holder's org and below) or "self".
    scope: Mapped[str] = mapped_column(String(16))
    builtin: Mapped[bool] = mapped_column(default=True)

    permissions: Mapped[list["RolePermission"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class RolePermission(db.Model):
    __tablename__ = "role_permissions"

    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(64), primary_key=True)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_guid)
    username: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(128), default="")
    last_name: Mapped[str] = mapped_column(String(128), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    blocked: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(16))
    # "light" or "dark"; NULL follows the system's colour scheme (web/themes.py).
    theme: Mapped[str | None] = mapped_column(String(8))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_signin_at: Mapped[datetime | None]
    # Totals over the user's active devices, kept by domain.users.refresh_user_totals so the
    # User Backup report can sort 100 000 users by storage with an index.
    backup_devices: Mapped[int] = mapped_column(default=0)
    archive_bytes: Mapped[int] = mapped_column(BigInteger, default=0)

    org: Mapped["Org"] = relationship(lazy="joined")  # noqa: F821
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")

    __table_args__ = (
        Index("ix_users_username_id", "username", "id"),
        Index("ix_users_last_name_id", "last_name", "id"),
        Index("ix_users_org_id_id", "org_id", "id"),
        Index("ix_users_status_id", "status", "id"),
        Index("ix_users_created_at_id", "created_at", "id"),
        Index("ix_users_archive_bytes_id", "archive_bytes", "id"),
        Index("ix_users_status_org_id", "status", "org_id"),
    )

    @property
    def full_name(self):
        """First and last name, or the username when neither is set."""
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.username

    # The server-side session this user object was loaded for (domain.sessions); not stored.
    session_token = None
    session_id = None

    # Flask-Login protocol. The id is the session's token, so deleting the session row ends it.
    @property
    def is_active(self):
        return self.status == "active" and not self.blocked

    is_authenticated = True
    is_anonymous = False

    def get_id(self):
        return self.session_token


class SignInAttempt(db.Model):
    __tablename__ = "signin_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool]
    # A keyed digest of the username and password tried (domain.auth): a client that sends a refused
    # request again by itself (py42 does, every time) costs one failure, not two.
    digest: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_signin_attempts_username_at", "username", "at"),
        Index("ix_signin_attempts_address_at", "address", "at"),
    )
