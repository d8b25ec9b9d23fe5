"""Agent versions and which one a device should run, following its org's update policy."""
import re
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.domain import audit, settings
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.extensions import db
from webconsole.models import AgentVersion

_VERSION = re.compile(r"^\d+(\.\d+){1,3}$", re.ASCII)  # "١١.٦" is digits to Python, not a version
PLATFORMS = ("windows", "macos", "linux")


def version_key(version):
    """Sort key comparing versions number by number (11.10.0 after 11.9.2)."""
    return tuple(int(p) for p in version.split("."))


def add_version(actor, *, version, platform, released_on, notes=""):
    """Offer a new agent version for a platform."""
    version = (version or "").strip()
    if not _VERSION.match(version):
        raise ValidationError(_l("Enter a version such as 11.6.0."), field="version", code="validation.format")
    if platform not in PLATFORMS:
        raise ValidationError(_l("Choose a platform from the list."), field="platform", code="validation.choice")
    if db.session.scalar(select(AgentVersion.id).where(AgentVersion.version == version,
                                                      AgentVersion.platform == platform)):
        raise ValidationError(_l("This version is already listed for this platform."), field="version",
                              code="update.version_listed")
    found = AgentVersion(version=version, platform=platform, released_on=released_on, notes=(notes or "").strip())
    db.session.add(found)
    db.session.flush()
    audit.record("update.version_add", actor=actor, object_type="agent_version", object_id=str(found.id),
                 object_label=f"{version} ({platform})", details={"released_on": released_on.isoformat()})
    db.session.commit()
    return found


def get_version(version_id):
    """The agent version with this id; NotFound otherwise."""
    found = db.session.get(AgentVersion, version_id)
    if found is None:
        raise NotFound(_l("No such version."))
    return found


def set_blocked(actor, version_id, blocked):
    """Block a version everywhere (no device is offered it) or make it available again."""
    found = get_version(version_id)
    if found.blocked != blocked:
        found.blocked = blocked
        audit.record("update.version_block" if blocked else "update.version_unblock", actor=actor,
                     object_type="agent_version", object_id=str(found.id),
                     object_label=f"{found.version} ({found.platform})")
    db.session.commit()
    return found


def versions():
    """Every version the server knows, newest first within each platform."""
    rows = db.session.scalars(select(AgentVersion)).all()
    return sorted(rows, key=lambda v: (v.platform, version_key(v.version)), reverse=True)


def offered_version(device, today=None):
    """The version `device` should run under its org's update policy, or None when it should stay."""
    today = today or date.today()
    policy = settings.group_state(device.org, "updates").values
    if not policy["auto_update"]:
        return None
    blocked = set(policy["blocked_versions"])
    candidates = [v for v in db.session.scalars(select(AgentVersion).where(
        AgentVersion.platform == device.os, AgentVersion.blocked.is_(False)))
        if v.version not in blocked and v.released_on + timedelta(days=policy["delay_days"]) <= today]
    if not candidates:
        return None
    best = max(candidates, key=lambda v: version_key(v.version))
    current = device.agent_version if _VERSION.match(device.agent_version or "") else "0.0"
    return best if version_key(best.version) > version_key(current) else None
