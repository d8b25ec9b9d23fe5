"""The Keystore: how each device's backup repositories are encrypted, and who can open them.

restic encrypts a repository with a master key that passwords unlock. What the org's setting
`security.archive_key_type` (inherited and lockable like every device default) says:

- standard: the console makes the device's repository password and keeps it sealed (Fernet) with the
  server's master key, a file outside the database. The device gets it over its authenticated channel;
  web restore and legal-hold collection can open the repository.
- password: the user sets an archive password on the device; the console never stores it, and a web
  restore asks for it.
- custom: the key never leaves the device; the console cannot read the data and says so, and restores
  happen only on the device.

A device's key type is fixed when its first repository is made (DeviceKey); a later change of the
setting applies to devices registered after it, which `change_effects` states before it is saved.
"""
import os
import secrets
import stat

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import lazy_gettext as _l

from webconsole.domain import agents
from webconsole.domain.errors import Forbidden
from webconsole.extensions import db
from webconsole.models import DeviceKey

KEY_TYPES = ("standard", "password", "custom")


class KeystoreError(Forbidden):
    """The master key is missing or does not open a sealed password (a restored database, a lost key file):
    what needs the key is refused with the reason, and an agent hears 503 and asks again later."""

    code = "keystore.unavailable"
    status = 503


def _master_key_path():
    return current_app.config.get("MASTER_KEY_FILE") or os.path.join(current_app.instance_path, "master.key")


def _fernet():
    """The master key, made (readable by its owner only) the first time it is needed."""
    path = _master_key_path()
    try:
        with open(path, "rb") as stream:
            return Fernet(stream.read().strip())
    except FileNotFoundError:
        pass
    except ValueError as e:
        current_app.logger.error("The master key file %s holds no Fernet key", path)
        raise KeystoreError("the server's master key file holds no key: its administrator must restore it") from e
    key = Fernet.generate_key()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    except FileExistsError:  # another process made it meanwhile: use theirs
        return _fernet()
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(key)
        stream.flush()
        os.fsync(stream.fileno())
    return Fernet(key)


def seal(secret):
    return _fernet().encrypt(secret.encode()).decode()


def unseal(token):
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as e:
        raise KeystoreError("the master key does not open this device's repository password") from e


def key_type_setting(device):
    """The Keystore setting in force for the device (its org's, or its own copy of the group)."""
    value = agents.device_settings(device).get("security", {}).get("archive_key_type", {}).get("value")
    return value if value in KEY_TYPES else "standard"


def key_for(device):
    """The device's DeviceKey, made on first use from its org's setting (a standard key with its password)."""
    key = db.session.get(DeviceKey, device.id)
    if key is None:
        kind = key_type_setting(device)
        key = DeviceKey(device_id=device.id, key_type=kind,
                        sealed_password=seal(secrets.token_urlsafe(32)) if kind == "standard" else None)
        db.session.add(key)
        db.session.flush()
    return key


def repository_password(device):
    """The device's repository password when the console holds it (standard key), else None."""
    key = db.session.get(DeviceKey, device.id)
    if key is None or key.key_type != "standard" or not key.sealed_password:
        return None
    return unseal(key.sealed_password)


CHANGE_EFFECTS = {
    "standard": _l("Devices registered from now on get a key the console keeps, so administrators can restore "
                   "from the web. Existing devices keep the key type their archives were made with."),
    "password": _l("Devices registered from now on ask their user for an archive password, which the console "
                   "never stores: a forgotten password cannot be reset, and web restores ask for it. Existing "
                   "devices keep the key type their archives were made with."),
    "custom": _l("Devices registered from now on keep their key to themselves: the console cannot read their "
                 "archives, and they can be restored only on the device. A lost key cannot be recovered. "
                 "Existing devices keep the key type their archives were made with."),
}
