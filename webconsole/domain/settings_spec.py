"""The device settings the console manages, in groups, with their types, limits and defaults."""
import re
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webconsole.domain.dates import parse_time_of_day, time_example
from webconsole.domain.errors import ValidationError


@dataclass(frozen=True)
class Setting:
    key: str
    label: object
    kind: str  # "int", "bool", "choice", "text", "lines", "time", "sets" (backup sets)
    default: object
    min: int | None = None
    max: int | None = None
    choices: tuple = ()  # (value, label) for "choice"
    unit: object = None
    help: object = None


@dataclass(frozen=True)
class Group:
    key: str
    label: object
    settings: tuple = field(default_factory=tuple)

    def setting(self, key):
        return next(s for s in self.settings if s.key == key)


SET_LIMIT = 10
DEFAULT_SET = {"name": "Default", "included_paths": ["~"],
               "excluded_paths": ["~/Library/Caches", "~/AppData/Local/Temp"], "destinations": []}

MINUTES = {15: _l("Every 15 minutes"), 30: _l("Every 30 minutes"), 60: _l("Every hour"),
           120: _l("Every 2 hours"), 240: _l("Every 4 hours"), 480: _l("Every 8 hours"),
           1440: _l("Every day"), 10080: _l("Every week"), 43200: _l("Every month"), 525600: _l("Every year")}


def _every(*minutes):
    return tuple((m, MINUTES[m]) for m in minutes)


GROUPS = (
    Group("general", _l("General"), (
        Setting("away_minutes", _l("User is away after"), "int", 15, 1, 1440, unit=_l("minutes without input")),
        Setting("cpu_away_percent", _l("CPU when the user is away"), "int", 80, 1, 100, unit="%"),
        Setting("cpu_present_percent", _l("CPU when the user is present"), "int", 20, 1, 100, unit="%"),
        Setting("warning_days", _l("Not backed up: warning after"), "int", 3, 1, 365, unit=_l("days")),
        Setting("critical_days", _l("Not backed up: critical after"), "int", 7, 1, 365, unit=_l("days")),
    )),
    Group("backup", _l("Backup"), (
        Setting("backup_sets", _l("Backup sets"), "sets", [DEFAULT_SET],
                help=_l("Each set backs up its own files to its own destinations; the settings below apply to "
                        "every set.")),
        Setting("filename_exclusions", _l("File name exclusions"), "lines", [r".*\.tmp$", r".*\.swp$"],
                help=_l("One regular expression per line, matched against the whole path, in every set.")),
        Setting("run_schedule", _l("Backup runs"), "choice", "always",
                choices=(("always", _l("Always")), ("window", _l("Between the times below")))),
        Setting("window_start", _l("Backup window starts"), "time", "22:00",
                # Written when shown: the example is in the reader's locale (22:00, 10:00 PM).
                help=LazyString(lambda: _("The device's local time, such as %(example)s.", example=time_example()))),
        Setting("window_end", _l("Backup window ends"), "time", "06:00"),
        Setting("frequency_minutes", _l("Back up changes"), "choice", 15,
                choices=_every(15, 30, 60, 120, 240, 480, 1440)),
        Setting("versions_last_week", _l("Versions kept for the last week"), "choice", 15,
                choices=_every(15, 60, 240, 1440)),
        Setting("versions_last_90_days", _l("Versions kept for the last 90 days"), "choice", 1440,
                choices=_every(60, 1440, 10080)),
        Setting("versions_last_year", _l("Versions kept for the last year"), "choice", 10080,
                choices=_every(1440, 10080, 43200)),
        Setting("versions_older", _l("Versions kept beyond a year"), "choice", 43200,
                choices=_every(10080, 43200, 525600)),
        Setting("remove_deleted_days", _l("Remove deleted files after"), "choice", 30,
                choices=((0, _l("Never")), (30, _l("30 days")), (90, _l("90 days")), (365, _l("1 year")))),
    )),
    Group("security", _l("Security"), (
        Setting("archive_key_type", _l("Archive encryption key"), "choice", "standard", choices=(
            ("standard", _l("Standard (administrators can restore)")),
            ("password", _l("Archive key password (cannot be reset)")),
            ("custom", _l("Custom key (a lost key cannot be recovered)")))),
        Setting("require_password", _l("Require the account password to open the agent"), "bool", False),
    )),
    Group("reporting", _l("Reporting"), (
        Setting("report_frequency", _l("Send a backup report"), "choice", "weekly", choices=(
            ("never", _l("Never")), ("daily", _l("Daily")), ("weekly", _l("Weekly")), ("monthly", _l("Monthly")))),
        Setting("warning_email", _l("E-mail a warning alert"), "bool", True),
        Setting("critical_email", _l("E-mail a critical alert"), "bool", True),
    )),
    Group("updates", _l("Client updates"), (
        Setting("auto_update", _l("Update agents automatically"), "bool", True),
        Setting("delay_days", _l("Wait after a release before offering it"), "int", 0, 0, 60, unit=_l("days")),
        Setting("blocked_versions", _l("Versions never to offer"), "lines", [],
                help=_l("One version per line, such as 11.4.1.")),
    )),
    Group("appearance", _l("Agent appearance"), (
        Setting("product_name", _l("Product name shown by the agent"), "text", "Webconsole"),
        Setting("username_label", _l("Label of the username field"), "text", "Username"),
        Setting("password_label", _l("Label of the password field"), "text", "Password"),
    )),
    Group("quotas", _l("Quotas"), (
        Setting("user_quota_gb", _l("Backup quota per user"), "int", 0, 0, 1_000_000, unit="GB",
                help=_l("0 means no quota.")),
        Setting("web_restore_limit_mb", _l("Web restore limit"), "int", 250, 0, 1_000_000, unit="MB",
                help=_l("0 turns web restores off.")),
    )),
)
GROUP_KEYS = tuple(g.key for g in GROUPS)
_BY_KEY = {g.key: g for g in GROUPS}


def group(key):
    """The Group with this key; ValidationError for an unknown one."""
    if key not in _BY_KEY:
        raise ValidationError(_l("No such settings group."), field="group", code="validation.choice")
    return _BY_KEY[key]


def defaults(key):
    """The built-in default values of a group."""
    return {s.key: s.default for s in group(key).settings}


def parse(key, form, destination_ids=()):
    """Typed values of a group from submitted form data ({name: [strings]}); ValidationError names the field."""
    values = {}
    for s in group(key).settings:
        raw = form if s.kind == "sets" else form.get(s.key, [])
        values[s.key] = _parse_one(s, raw, destination_ids)
    if key == "general" and values["critical_days"] <= values["warning_days"]:
        raise ValidationError(_l("The critical threshold must be longer than the warning threshold."),
                              field="critical_days", code="validation.range")
    return values


def parse_setting(group_key, key, raw):
    """One setting's typed value from submitted strings ([str]); ValidationError names the field."""
    return _parse_one(group(group_key).setting(key), raw, ())


def _lines(raw, field):
    lines = [line.strip() for line in "\n".join(raw).splitlines() if line.strip()]
    if len(lines) > 500 or any(len(line) > 1024 for line in lines):
        raise ValidationError(_l("Use at most 500 lines of up to 1024 characters."), field=field,
                              code="validation.length")
    return lines


def _destinations(raw, destination_ids, field):
    try:
        chosen = sorted({int(v) for v in raw if v})
    except ValueError:
        raise ValidationError(_l("Choose destinations from the list."), field=field, code="validation.choice") from None
    if set(chosen) - set(destination_ids):
        raise ValidationError(_l("Choose destinations from the list."), field=field, code="validation.choice")
    return chosen


def raw_sets(key, form):
    """The backup sets as submitted ({field: text or [ids]}), in form order, "new" last: for redisplay."""
    indices = []
    for name in form:
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == key and parts[1] not in indices:
            indices.append(parts[1])
    indices.sort(key=lambda i: (i == "new", int(i) if i.isascii() and i.isdigit() else 0))
    sets = []
    for i in indices:
        fields = {f: form.get(f"{key}-{i}-{f}", []) for f in
                  ("name", "included_paths", "excluded_paths", "destinations", "remove")}
        sets.append({"index": i, "name": " ".join("".join(fields["name"][:1]).split()),
                     "included_paths": "\n".join(fields["included_paths"]),
                     "excluded_paths": "\n".join(fields["excluded_paths"]),
                     "destinations": fields["destinations"], "remove": bool(fields["remove"])})
    return sets


def _parse_sets(key, form, destination_ids):
    sets = []
    for raw in raw_sets(key, form):
        if raw["remove"]:
            continue
        if raw["index"] == "new" and not raw["name"] and not raw["included_paths"].strip():
            continue  # the empty "add a set" block
        if not raw["name"] or len(raw["name"]) > 100:
            raise ValidationError(_l("Give each backup set a name of up to 100 characters."), field=key,
                                  code="validation.length")
        sets.append({"name": raw["name"], "included_paths": _lines([raw["included_paths"]], key),
                     "excluded_paths": _lines([raw["excluded_paths"]], key),
                     "destinations": _destinations(raw["destinations"], destination_ids, key)})
    names = [s["name"].casefold() for s in sets]
    if len(set(names)) != len(names):
        raise ValidationError(_l("Give each backup set a different name."), field=key, code="validation.duplicate")
    if not sets:
        raise ValidationError(_l("Keep at least one backup set."), field=key, code="validation.required")
    if len(sets) > SET_LIMIT:
        raise ValidationError(_l("Use at most %(n)d backup sets.", n=SET_LIMIT), field=key, code="validation.length")
    return sets


def display_values(key, form):
    """What a group's form showed when it was sent back with an error, to show it again."""
    shown = {}
    for s in group(key).settings:
        if s.kind == "sets":
            shown[s.key] = raw_sets(s.key, form)
        elif s.key in form:
            raw = form[s.key]
            shown[s.key] = raw[0] if len(raw) == 1 else raw
    return shown


def _parse_one(s, raw, destination_ids):
    if s.kind == "sets":
        return _parse_sets(s.key, raw, destination_ids)
    first = (raw[0] if raw else "").strip()
    if s.kind == "bool":
        return first in ("1", "true", "on", "yes")
    if s.kind == "int":
        try:
            number = int(first)
        except ValueError:
            raise ValidationError(_l("Enter a whole number."), field=s.key, code="validation.format") from None
        if not s.min <= number <= s.max:
            raise ValidationError(_l("Enter a number from %(min)d to %(max)d.", min=s.min, max=s.max), field=s.key,
                                  code="validation.range")
        return number
    if s.kind == "choice":
        for value, _label in s.choices:
            if str(value) == first:
                return value
        raise ValidationError(_l("Choose one of the listed values."), field=s.key, code="validation.choice")
    if s.kind == "text":
        text = " ".join(first.split())
        if not text or len(text) > 60:
            raise ValidationError(_l("Enter 1 to 60 characters."), field=s.key, code="validation.length")
        return text
    if s.kind == "time":
        # Stored as HH:MM, typed in the console's locale (10:00 PM) or as HH:MM.
        return parse_time_of_day(first, field=s.key)
    if s.kind == "lines":
        lines = _lines(raw, s.key)
        if s.key == "filename_exclusions":
            for line in lines:
                try:
                    re.compile(line)
                except re.error:
                    raise ValidationError(_l("Not a valid regular expression: %(line)s", line=line),
                                          field=s.key, code="validation.format") from None
        return lines
    raise ValueError(s.kind)
