"""The agent's configuration: a TOML file (docs/agent-protocol.md, "Agent configuration") and flags over it."""
import getpass
import logging
import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

MAX_BATCH = 1000  # the protocol's limit of events per file-event batch
PASSWORD_ENV = "WEBCONSOLE_AGENT_PASSWORD"
KEYS = {"server": str, "registration_key": str, "username": str, "password": str, "state_dir": str,
        "scan_seconds": int, "batch_size": int, "name": str, "removable_media": list}


class ConfigError(Exception):
    """The configuration cannot be used; the message says why."""


def default_state_dir():
    """The platform's per-user data folder for the agent, such as ~/.local/share/webconsole-agent."""
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "webconsole-agent"
    if sys.platform.startswith("win"):
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "webconsole-agent"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "webconsole-agent"


@dataclass
class Config:
    server: str | None = None
    registration_key: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    state_dir: Path = field(default_factory=default_state_dir)
    scan_seconds: int | None = None
    batch_size: int = MAX_BATCH
    name: str | None = None
    # Folders to treat as removable media besides the mounts the agent finds itself (a card reader or
    # a USB disk mounted somewhere else): files written under them are exposed to removable media.
    removable_media: list = field(default_factory=list)

    def registration_password(self):
        """The password to register with: configured, from the environment, or asked on a terminal."""
        if not self.password and sys.stdin is not None and sys.stdin.isatty():
            self.password = getpass.getpass(f"Password for {self.username}: ")
        return self.password


def _read_file(path):
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"cannot read the configuration file {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"the configuration file {path} is not valid TOML: {e}") from None
    values = {}
    for key, value in data.items():
        if key not in KEYS:
            log.warning("ignoring unknown key %r in %s", key, path)
            continue
        if not isinstance(value, KEYS[key]) or isinstance(value, bool):
            raise ConfigError(f"{key} in {path} must be a {KEYS[key].__name__}")
        if key == "removable_media" and not all(isinstance(item, str) and item.strip() for item in value):
            raise ConfigError(f"removable_media in {path} must be a list of folder paths")
        values[key] = value
    return values


def load(args):
    """The configuration from args.config (if any), with every flag given on the command line over it."""
    values = _read_file(args.config) if getattr(args, "config", None) else {}
    for key in KEYS:
        flag = getattr(args, key, None)
        if flag is not None:
            values[key] = flag
    if not values.get("password") and os.environ.get(PASSWORD_ENV):
        values["password"] = os.environ[PASSWORD_ENV]
    config = Config(**{k: v for k, v in values.items() if k != "state_dir"})
    if values.get("state_dir"):
        config.state_dir = Path(values["state_dir"]).expanduser()
    if config.server and not config.server.startswith(("http://", "https://")):
        raise ConfigError("server must be an http:// or https:// URL")
    if not 1 <= config.batch_size <= MAX_BATCH:
        raise ConfigError(f"batch_size must be from 1 to {MAX_BATCH}")
    if config.scan_seconds is not None and config.scan_seconds < 1:
        raise ConfigError("scan_seconds must be at least 1")
    return config
