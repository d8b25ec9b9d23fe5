"""Single sign-on: OpenID Connect identity providers and the orgs whose users sign in through them."""
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webconsole.extensions import db
from webconsole.models.base import utcnow

# An org signs in through one provider at most (org_id is the key); its descendants follow it.
identity_provider_orgs = Table(
    "identity_provider_orgs",
    db.metadata,
    Column("org_id", ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True),
    Column("provider_id", ForeignKey("identity_providers.id", ondelete="CASCADE"), nullable=False, index=True),
)


class IdentityProvider(db.Model):
    __tablename__ = "identity_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Shown on the sign-in page's button: "Sign in with NAME".
    name: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    # The client secret sealed with the server's master key (domain.keystore), never stored in clear.
    sealed_secret: Mapped[str] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(String(255), default="openid email profile")
    username_claim: Mapped[str] = mapped_column(String(100), default="email")
    enabled: Mapped[bool] = mapped_column(default=False)
    # Just-in-time creation of users the console does not know yet: off unless asked for.
    jit_enabled: Mapped[bool] = mapped_column(default=False)
    jit_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="SET NULL"))
    jit_role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id", ondelete="SET NULL"))
    created_by_username: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    orgs: Mapped[list["Org"]] = relationship(secondary=identity_provider_orgs, lazy="selectin")  # noqa: F821
    jit_org: Mapped["Org | None"] = relationship(foreign_keys=[jit_org_id])  # noqa: F821
    jit_role: Mapped["Role | None"] = relationship()  # noqa: F821
