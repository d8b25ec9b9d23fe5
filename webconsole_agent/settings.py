"""Effective settings: the server's values with lock marks, merged with the user's own changes.

A locked value always applies; otherwise the user's own change applies if they made one; otherwise
the server's value. A user's change to a locked setting is kept on disk but ignored.
"""
import json
import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

DEFAULT_SCAN_MINUTES = 15
_UNSET = object()


class SettingError(Exception):
    """A setting the user may not change (unknown, locked or of the wrong type); the message says why."""


@dataclass(frozen=True)
class Effective:
    value: object
    locked: bool
    server_value: object
    override: object = _UNSET

    @property
    def changed_by_user(self):
        """Does the user's own change apply?"""
        return self.override is not _UNSET and not self.locked

    @property
    def override_ignored(self):
        """Did the user change a setting the server has locked since?"""
        return self.override is not _UNSET and self.locked


@dataclass(frozen=True)
class BackupSet:
    name: str
    included_paths: tuple
    excluded_paths: tuple
    destinations: tuple


def effective(server, overrides):
    """{group: {key: Effective}} from the server's {group: {key: {"value", "locked"}}} and {"group.key": value}."""
    merged = {}
    for group, values in (server or {}).items():
        if not isinstance(values, dict):
            continue
        for key, marked in values.items():
            if not isinstance(marked, dict) or "value" not in marked:
                continue
            locked = bool(marked.get("locked"))
            override = overrides.get(f"{group}.{key}", _UNSET)
            applied = override if override is not _UNSET and not locked else marked["value"]
            merged.setdefault(group, {})[key] = Effective(applied, locked, marked["value"], override)
    return merged


def value(merged, group, key, default=None):
    """The effective value of one setting, or `default` when the server sent none."""
    found = merged.get(group, {}).get(key)
    return default if found is None else found.value


def _list(merged, group, key):
    found = value(merged, group, key, [])
    return found if isinstance(found, list) else []


def parse_value(text):
    """A value typed by the user: JSON if it parses, else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _kind(v):
    if isinstance(v, bool):
        return "true or false"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, list):
        return "a list"
    return "an object" if isinstance(v, dict) else "null"


def _split(setting, merged):
    group, _, key = setting.partition(".")
    if key not in merged.get(group, {}):
        known = "; run `webconsole-agent settings` to list them" if merged else \
            "; no settings have been received from the server yet"
        raise SettingError(f"{setting} is not a setting{known}")
    return merged[group][key]


def change(state, setting, text):
    """Keep the user's own value for `setting` ("group.key"); SettingError if it is locked, unknown or mistyped."""
    merged = effective(state.get("settings", {}), state.overrides())
    current = _split(setting, merged)
    if current.locked:
        raise SettingError(f"{setting} is locked by your administrator and cannot be changed here")
    new = parse_value(text)
    if current.server_value is not None and _kind(new) != _kind(current.server_value):
        raise SettingError(f"{setting} must be {_kind(current.server_value)}")
    state.set_override(setting, new)
    return new


def reset(state, setting):
    """Drop the user's own value for `setting`; True if there was one."""
    return state.remove_override(setting)


def describe(merged):
    """Lines "group.key = value" with lock marks and the user's changes, for the `settings` command."""
    lines = []
    for group, values in merged.items():
        for key, s in values.items():
            line = f"{group}.{key} = {json.dumps(s.value)}"
            if s.override_ignored:
                line += f"  [locked; your change {json.dumps(s.override)} is ignored]"
            elif s.locked:
                line += "  [locked]"
            elif s.changed_by_user:
                line += f"  [your change; server: {json.dumps(s.server_value)}]"
            lines.append(line)
    return lines


def _paths(raw):
    return tuple(p for p in raw if isinstance(p, str) and p.strip()) if isinstance(raw, list) else ()


def backup_sets(merged):
    """The effective backup sets; malformed ones are skipped with a warning."""
    sets = []
    for raw in _list(merged, "backup", "backup_sets"):
        if not isinstance(raw, dict):
            log.warning("ignoring a backup set that is not an object: %r", raw)
            continue
        destinations = raw.get("destinations")
        sets.append(BackupSet(str(raw.get("name", "")), _paths(raw.get("included_paths")),
                              _paths(raw.get("excluded_paths")),
                              tuple(destinations) if isinstance(destinations, list) else ()))
    return sets


def exclusion_patterns(merged):
    """The compiled filename_exclusions; an invalid regular expression is skipped with a warning."""
    patterns = []
    for text in _list(merged, "backup", "filename_exclusions"):
        try:
            patterns.append(re.compile(str(text)))
        except re.error as e:
            log.warning("ignoring the invalid file name exclusion %r: %s", text, e)
    return patterns


def scan_seconds(merged):
    """Seconds between scans from backup.frequency_minutes (15 minutes when missing or unusable)."""
    minutes = value(merged, "backup", "frequency_minutes", DEFAULT_SCAN_MINUTES)
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or minutes <= 0:
        minutes = DEFAULT_SCAN_MINUTES
    return int(minutes * 60)
