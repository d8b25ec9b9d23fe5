"""The demo's legal hold: a preservation policy, an active matter with custodians, and an inactive one."""
from sqlalchemy import select

from webconsole.domain import legal_hold
from webconsole.extensions import db
from webconsole.models import Device, User

LEGAL = "legal@example.com"


def load_demo_legal_hold(first_user_id):
    """Hold three users with devices (from `first_user_id` on) in "Northwind v. Example Corp", and one in a
    matter since deactivated; the active Matter, or None without the legal-hold sign-in."""
    legal = db.session.scalar(select(User).where(User.username == LEGAL))
    if legal is None:
        return None
    owners = db.session.scalars(select(Device.user_id).where(Device.user_id >= first_user_id)
                                .group_by(Device.user_id).order_by(Device.user_id).limit(4)).all()
    policy = legal_hold.create_policy(legal, {
        "name": ["Whole home folder, kept indefinitely"], "included_paths": ["~"],
        "excluded_paths": ["~/Library/Caches\n~/AppData/Local/Temp"], "filename_exclusions": [r".*\.tmp$"],
        "frequency_minutes": ["15"], "versions_last_week": ["15"], "versions_last_90_days": ["60"],
        "versions_last_year": ["1440"], "versions_older": ["10080"], "remove_deleted_days": ["0"]})
    legal_hold.create_policy(legal, {"name": ["Mail archives only"], "included_paths": ["~/Mail\n~/Documents/Outlook"],
                                     "remove_deleted_days": ["0"]})
    matter = legal_hold.create_matter(
        legal, name="Northwind v. Example Corp", policy_id=policy.id, reference="2026-CV-0417",
        description="Contract dispute over the Northwind supply agreement.",
        notes="Outside counsel: Baker & Partners. Preserve the sales team's files from January 2026 on.")
    if owners[:3]:
        legal_hold.add_custodians(legal, matter, [str(i) for i in owners[:3]])
    closed = legal_hold.create_matter(legal, name="2025 pricing inquiry", policy_id=policy.id,
                                      reference="REG-2025-12", description="Regulator's inquiry, closed in 2026.")
    if owners[3:]:
        legal_hold.add_custodians(legal, closed, [str(owners[3])])
    legal_hold.set_matter_active(legal, closed, False)
    return matter
