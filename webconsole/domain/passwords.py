"""Password hashing with Argon2id."""
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_hashers = {}

# Verified against when the username is unknown, so a miss costs as much time as a hit. Made once per
# profile: computing it on every miss would make a miss cost a hash *and* a verification.
_DUMMY = {}


def _hasher():
    name = current_app.config["PASSWORD_HASH_PROFILE"]
    if name not in _hashers:
        _hashers[name] = PasswordHasher.from_parameters(getattr(profiles, name))
    return _hashers[name]


def hash_password(password):
    """An Argon2id hash of `password` with the configured cost."""
    return _hasher().hash(password)


def verify_password(password_hash, password):
    """True when `password` matches; a missing hash still costs one verification."""
    hasher = _hasher()
    if not password_hash:
        name = current_app.config["PASSWORD_HASH_PROFILE"]
        if name not in _DUMMY:
            _DUMMY[name] = hasher.hash("not a password")
        password_hash = _DUMMY[name]
        password = "\x00" + password
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
