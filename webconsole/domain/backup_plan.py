"""What a device backs up where: its destinations' repositories, their passwords, and the versions to keep.

The agent asks for its plan (GET /api/agent/v1/backup-plan) when its settings change and before a
backup; its backup sets, exclusions and schedule come with the settings of every heartbeat.
"""
from sqlalchemy import select

from webconsole.domain import agents, keystore, preservation
from webconsole.domain.destinations import STORED_KINDS, of_backup_sets, s3_environment, s3_repository
from webconsole.extensions import db
from webconsole.models import Repository

# The Versions settings as restic forget rules: the interval kept within each age, rounded to the
# nearest finer granularity restic has (a 4-hour interval keeps hourly versions), so no version the
# setting keeps is ever forgotten.
_WITHIN = {15: "--keep-within", 60: "--keep-within-hourly", 240: "--keep-within-hourly",
           1440: "--keep-within-daily", 10080: "--keep-within-weekly", 43200: "--keep-within-monthly",
           525600: "--keep-within-yearly"}
_AGES = (("versions_last_week", "7d"), ("versions_last_90_days", "90d"), ("versions_last_year", "1y"),
         ("versions_older", "100y"))


def forget_arguments(backup_settings):
    """restic forget's options for the Versions settings of the backup group ({key: {"value", ...}})."""
    arguments = []
    for key, age in _AGES:
        minutes = backup_settings.get(key, {}).get("value")
        option = _WITHIN.get(minutes)
        if option:
            arguments += [option, age]
    return arguments


def plan(device):
    """The device's backup plan, as the agent protocol sends it (docs/agent-protocol.md)."""
    settings = agents.device_settings(device)
    key = keystore.key_for(device)
    password = keystore.repository_password(device)
    # A legal hold keeps every version: nothing is forgotten or pruned anywhere while it lasts.
    held = preservation.is_held(device.user_id)
    repositories = {r.destination_id: r for r in db.session.scalars(
        select(Repository).where(Repository.device_id == device.id))}
    destinations = []
    for destination in of_backup_sets(settings):
        entry = {"guid": destination.guid, "name": destination.name, "kind": destination.kind}
        if destination.kind in STORED_KINDS:
            repository = repositories.get(destination.id)
            entry["append_only"] = held or bool(repository and repository.append_only)
            if destination.kind == "local":
                entry["repository"] = f"/storage/{device.guid}/"
            else:  # the device writes to the object storage itself, with the destination's key
                entry.update(repository=s3_repository(destination, device), env=s3_environment(destination))
            if password is not None:
                entry["password"] = password
        else:
            entry["reason"] = "this destination takes no backups from agents; choose This server in the backup set"
        destinations.append(entry)
    db.session.commit()
    return {"key_type": key.key_type, "destinations": destinations, "legal_hold": held,
            "forget": forget_arguments(settings.get("backup", {}))}
