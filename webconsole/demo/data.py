"""Demo data: an org tree, users with one sign-in per built-in role, devices with backup states,
and (on request) file events.

Generated with a fixed seed and inserted in bulk (store.bulk_load.insert_rows), so 100 000 users and
200 000 devices load in about 50 s of CPU time (docs/benchmarks.md).
"""
import random
from datetime import timedelta

from sqlalchemy import JSON, func, insert, literal, select, text

from webconsole.demo.alerts import load_alerts
from webconsole.demo.cases import load_demo_case
from webconsole.demo.event_load import RISKY_USERS, EventValues, load_events  # noqa: F401 - the demo's names
from webconsole.demo.legal_hold import load_demo_legal_hold
from webconsole.demo.watchlists import load_watchlists
from webconsole.domain import connections, settings_spec
from webconsole.domain.dashboard import record_storage_usage
from webconsole.domain.orgs import create_org
from webconsole.domain.passwords import hash_password
from webconsole.domain.permissions import sync_builtin_roles
from webconsole.domain.settings import BUILT_IN, group_state, save_group
from webconsole.domain.users import refresh_user_totals
from webconsole.extensions import db
from webconsole.models import (
    AgentVersion,
    BackupState,
    DataConnection,
    Destination,
    Device,
    DeviceSettings,
    FileEvent,
    IngestError,
    Org,
    Role,
    StorageUsage,
    User,
    user_roles,
)
from webconsole.models.base import utcnow
from webconsole.store.bulk_load import insert_rows
from webconsole.store.database import analyse, refresh_statistics

ORG_TREE = {
    "Example Corp": {
        "Engineering": {"Platform": {}, "Mobile": {}, "Data Science": {}},
        "Sales": {"EMEA Sales": {}, "Americas Sales": {}, "APAC Sales": {}},
        "Operations": {"IT": {}, "Facilities": {}},
        "Finance": {},
    }
}

# username, first, last, role key, org name
DEMO_SIGNINS = [
    ("admin@example.com", "Avery", "Admin", "cloud_admin", "Example Corp"),
    ("orgadmin@example.com", "Oskar", "Lindqvist", "org_admin", "Engineering"),
    ("analyst@example.com", "Priya", "Raman", "security_admin", "Operations"),
    ("legal@example.com", "Laura", "Bianchi", "legal_hold_admin", "Finance"),
    ("auditor@example.com", "Kenji", "Watanabe", "audit_viewer", "Finance"),
    ("helpdesk@example.com", "Hugo", "Martin", "help_desk", "IT"),
    ("user@example.com", "Uma", "Schneider", "desktop_user", "Platform"),
]

FIRST = ("Alice Ben Chloé Daniel Emma Farid Grace Hiroshi Ingrid James Karin Liam Mei Noah Olivia "
         "Pedro Quentin Rosa Sven Tomás Ulrike Valentina Wei Ximena Yuki Zoë Aarav Björn Carmen "
         "Dmitri Elif Felipe Giulia Hana Isaac Jana Kofi Lucía Mateo Nadia Omar Paula Ravi Sofia "
         "Thabo Usha Viktor Wiebke Yara Ji-woo Somchai Nok Lars Maja Ahmed Fatima Jonas Chiara").split()
LAST = ("Andersson Berg Chen Dubois Eriksen Fischer García Hansen Ito Jansen Kowalski López Müller "
        "Nakamura Olsen Petrov Quinn Rossi Suzuki Tanaka Ueda Van Dijk Wagner Xu Yamamoto Zhang "
        "Kim Park Nguyen Silva Santos Costa Moreau Laurent Bernard Novak Horvat Larsen Lindberg "
        "Svensson Johansson Kaur Singh Patel O'Brien Murphy Walsh Smith Jones Taylor Brown Wilson "
        "Sato Kobayashi Wang Li Liu Choi Srisuk Wongsakul Fernández Romero").split()

OS_VERSIONS = {
    "windows": ["Windows 11 23H2", "Windows 11 24H2", "Windows 10 22H2"],
    "macos": ["macOS 14.7", "macOS 15.1", "macOS 15.2"],
    "linux": ["Ubuntu 24.04", "Ubuntu 22.04", "Debian 12", "Fedora 41"],
}
AGENT_VERSIONS = ["11.6.0", "11.6.0", "11.6.0", "11.5.2", "11.5.2", "11.4.1", "10.4.3"]
STATUSES = ["active"] * 93 + ["deactivated"] * 4 + ["blocked"] * 2 + ["deauthorized"]
GB = 1024**3


def database_is_empty():
    """True when no org exists yet (a fresh database)."""
    return db.session.scalar(select(func.count()).select_from(Org)) == 0


def load_demo(password, users=200, devices=400, seed=42, progress=None, events=0):
    """Fill an empty database with demo data and `events` file events; `progress(n)` is called as rows
    are stored."""
    rng = random.Random(seed)
    now = utcnow()
    progress = progress or (lambda n: None)
    sync_builtin_roles()
    roles = {r.key: r.id for r in db.session.scalars(select(Role))}
    orgs = _load_orgs(ORG_TREE, None)
    db.session.commit()
    destinations = _load_destinations()
    pw_hash = hash_password(password)

    org_ids = list(orgs.values())
    user_rows, role_rows = [], []
    for n, (username, first, last, role, org) in enumerate(DEMO_SIGNINS, start=1):
        user_rows.append(_user_row(n, username, first, last, orgs[org], pw_hash, now, rng, demo=True))
        role_rows.append({"user_id": n, "role_id": roles[role]})
    taken = {row["username"] for row in user_rows}
    for n in range(len(DEMO_SIGNINS) + 1, max(users, len(DEMO_SIGNINS)) + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        base = f"{_ascii(first)}.{_ascii(last)}"
        username, k = f"{base}@example.com", 2
        while username in taken:
            username, k = f"{base}{k}@example.com", k + 1
        taken.add(username)
        user_rows.append(_user_row(n, username, first, last, rng.choice(org_ids), pw_hash, now, rng))
        role_rows.append({"user_id": n, "role_id": roles["desktop_user"]})
    _bulk(User.__table__, user_rows, progress)
    _bulk(user_roles, role_rows, progress)

    device_rows, state_rows, endpoints = [], [], []
    owners = [row for row in user_rows if row["id"] > len(DEMO_SIGNINS)] or user_rows
    demo_user = user_rows[len(DEMO_SIGNINS) - 1]
    for n in range(1, devices + 1):
        # The desktop-user sign-in owns the first two devices, so its profile has something to show.
        owner = demo_user if n <= 2 else rng.choice(owners)
        device, states = _device(n, owner, destinations, now, rng)
        device_rows.append(device)
        state_rows.extend(states)
        endpoints.append({key: device[key] for key in _ENDPOINT_KEYS})
        if len(device_rows) >= 5000:
            _bulk(Device.__table__, device_rows, progress)
            _bulk(BackupState.__table__, state_rows, progress)
            device_rows, state_rows = [], []
    _bulk(Device.__table__, device_rows, progress)
    _bulk(BackupState.__table__, state_rows, progress)
    _advance_sequences()
    analyse("users", "devices")
    refresh_user_totals()
    _back_up_to_this_server(db.session.get(User, user_rows[0]["id"]))
    _device_settings(now)
    db.session.commit()
    origins = _load_connections(db.session.get(User, user_rows[0]["id"]))
    if events:
        # A generator of its own: the users and devices of a seed do not depend on the events.
        load_events(events, user_rows, endpoints, now, random.Random(f"{seed}:events"), progress, origins,
                    signins=len(DEMO_SIGNINS))
    _count_connection_events(now)
    load_watchlists(db.session.get(User, user_rows[0]["id"]), signins=len(DEMO_SIGNINS))
    load_alerts(db.session.get(User, user_rows[0]["id"]))
    load_demo_case(len(DEMO_SIGNINS) + 1)
    load_demo_legal_hold(len(DEMO_SIGNINS) + 1)
    _usage_history(now.date(), rng)
    _agent_versions(now.date())
    refresh_statistics()


def _load_orgs(tree, parent):
    found = {}
    for name, children in tree.items():
        org = create_org(name, parent, ext_ref=f"EXT-{name.upper().replace(' ', '-')}")
        found[name] = org.id
        found.update(_load_orgs(children, org))
    return found


def _load_destinations():
    cloud = Destination(name="Cloud Destination US", kind="cloud", location="US West",
                        capacity_bytes=2 * 1024**5)
    server = Destination(name="Minneapolis Storage Server", kind="server", location="Minneapolis, MN",
                         capacity_bytes=512 * 1024**4)
    db.session.add_all([cloud, server])
    db.session.commit()
    return [cloud.id, server.id]


def _back_up_to_this_server(admin):
    """The demo's backup sets go to "This server", so an agent registered to try the demo really backs up
    (the demo devices' numbers are made up and stay so)."""
    local = db.session.scalar(select(Destination).where(Destination.kind == "local"))
    if local is None:
        local = Destination(name="This server", kind="local", location="instance/storage")
        db.session.add(local)
        db.session.flush()
    root = db.session.scalar(select(Org).where(Org.parent_id.is_(None)).order_by(Org.id))
    form = {}
    for setting in settings_spec.group("backup").settings:
        if setting.kind == "sets":
            for n, backup_set in enumerate(setting.default):
                form.update({f"backup_sets-{n}-name": [backup_set["name"]],
                             f"backup_sets-{n}-included_paths": ["\n".join(backup_set["included_paths"])],
                             f"backup_sets-{n}-excluded_paths": ["\n".join(backup_set["excluded_paths"])],
                             f"backup_sets-{n}-destinations": [str(local.id)]})
        else:
            form[setting.key] = ["\n".join(setting.default) if setting.kind == "lines" else str(setting.default)]
    save_group(admin, root.id, "backup", form, "save")


_TO_ASCII = str.maketrans("éèëöüäåøßñóáíúçşğ", "eeeouaaosnoaiucsg")


def _ascii(name):
    return "".join(c for c in name.lower().translate(_TO_ASCII) if c.isalnum())


def _user_row(n, username, first, last, org_id, pw_hash, now, rng, demo=False):
    created = now - timedelta(days=rng.randint(30, 900), minutes=rng.randint(0, 1440))
    return {
        "id": n, "uid": str(10**17 + 7919 * n), "username": username, "email": username,
        "first_name": first, "last_name": last, "password_hash": pw_hash, "org_id": org_id,
        "status": "active" if demo or rng.random() > 0.05 else "deactivated",
        "blocked": False if demo else rng.random() < 0.01, "locale": None,
        "created_at": created, "updated_at": created,
        "last_signin_at": None if rng.random() < 0.3 else now - timedelta(hours=rng.randint(1, 2000)),
    }


def _device(n, owner, destinations, now, rng):
    os_name = rng.choices(["windows", "macos", "linux"], weights=[55, 35, 10])[0]
    first = _ascii(owner["first_name"])
    last = _ascii(owner["last_name"])
    if os_name == "windows":
        hostname = f"LT-{first[:1].upper()}{last[:6].upper()}-{n % 100:02d}"
        name = hostname
    elif os_name == "macos":
        hostname = f"{first}-{last[:5]}-mbp-{n % 100}"
        name = f"{owner['first_name']}'s MacBook Pro"
    else:
        hostname = f"dev-{first[:1]}{last[:7]}-{n % 100:02d}"
        name = hostname
    status = rng.choice(STATUSES)
    created = owner["created_at"] + timedelta(days=rng.randint(0, 20))
    roll = rng.random()
    if roll < 0.02:
        last_connected = None
    elif roll < 0.12:
        last_connected = now - timedelta(days=rng.uniform(3, 40))
    else:
        last_connected = now - timedelta(minutes=rng.uniform(1, 1440))
    selected = int(rng.lognormvariate(3.6, 1.0) * GB)
    states, summary = [], {"archive": 0, "pct": 100.0, "last": None, "done": None}
    targets = destinations if rng.random() < 0.4 else destinations[:1]
    for dest_id in targets:
        if last_connected is None:
            pct, archived, last_backup, completed = 0.0, 0, None, None
        else:
            pct = 100.0 if rng.random() < 0.85 else round(rng.uniform(20, 99.9), 1)
            archived = int(selected * pct / 100 * rng.uniform(0.75, 1.1))
            last_backup = last_connected - timedelta(minutes=rng.uniform(0, 30))
            completed = last_backup if pct == 100.0 else last_backup - timedelta(days=rng.uniform(1, 12))
        states.append({
            "device_id": n, "destination_id": dest_id, "selected_files": selected // rng.randint(300_000, 900_000),
            "selected_bytes": selected, "percent_complete": pct, "archive_bytes": archived,
            "last_backup": last_backup, "last_completed_backup": completed, "last_connected": last_connected,
        })
        summary["archive"] += archived
        summary["pct"] = min(summary["pct"], pct)
        summary["last"] = max(filter(None, [summary["last"], last_backup]), default=None)
        summary["done"] = max(filter(None, [summary["done"], completed]), default=None)
    device = {
        "id": n, "guid": str(10**17 + 104729 * n), "name": name, "hostname": hostname.lower(), "os": os_name,
        "os_version": rng.choice(OS_VERSIONS[os_name]), "agent_version": rng.choice(AGENT_VERSIONS),
        "user_id": owner["id"], "org_id": owner["org_id"], "status": status,
        "address": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "remote_address": f"203.0.113.{rng.randint(1, 254)}", "created_at": created,
        "last_connected": last_connected, "selected_bytes": selected, "archive_bytes": summary["archive"],
        "percent_complete": summary["pct"] if last_connected else 0.0,
        "last_backup": summary["last"], "last_completed_backup": summary["done"],
    }
    return device, states


def _device_settings(now):
    """Each demo device's copy of its org's settings groups, as registration takes it: one INSERT ... SELECT
    per org and group. (settings.snapshot_devices_without_settings, for devices registered in bulk, first
    looks for the devices without a copy, which at 200 000 devices cost most of the load.)"""
    for org in db.session.scalars(select(Org)):
        for group_key in settings_spec.GROUP_KEYS:
            state = group_state(org, group_key)
            source = state.source.id if state.source else BUILT_IN
            rows = select(Device.id, literal(group_key), literal(state.values, JSON),
                          literal({key: source for key in state.values}, JSON), literal(now)).where(
                Device.org_id == org.id)
            db.session.execute(insert(DeviceSettings).from_select(
                ["device_id", "group", "values", "sources", "updated_at"], rows))


def _usage_history(today, rng, days=45):
    """Today's storage use, and a plausible growth curve over the days before it."""
    record_storage_usage(today)
    current = db.session.execute(select(StorageUsage).where(StorageUsage.day == today)).scalars().all()
    rows = []
    for back in range(1, days):
        shrink = 1 - 0.006 * back
        for usage in current:
            rows.append({"day": today - timedelta(days=back), "org_id": usage.org_id,
                         "destination_id": usage.destination_id, "devices": usage.devices,
                         "archive_bytes": int(usage.archive_bytes * shrink * rng.uniform(0.995, 1.005))})
    if rows:
        db.session.execute(insert(StorageUsage), rows)
    db.session.commit()


def _agent_versions(today):
    """The versions the demo devices run, as if released over the past year."""
    released = {"11.6.0": 30, "11.5.2": 95, "11.4.1": 180, "10.4.3": 360}
    notes = {"11.6.0": "Faster change detection; lower CPU use when the user is present.",
             "11.5.2": "Fixes a crash when a backup set path no longer exists.",
             "11.4.1": "Adds backup sets per destination.", "10.4.3": "Long-term support release."}
    db.session.execute(insert(AgentVersion), [
        {"version": v, "platform": p, "released_on": today - timedelta(days=d), "notes": notes[v], "blocked": False}
        for v, d in released.items() for p in ("windows", "macos", "linux")])
    db.session.commit()


def _bulk(table, rows, progress):
    if rows:
        insert_rows(table, rows)
        progress(len(rows))


def _advance_sequences():
    # Demo rows carry explicit ids; PostgreSQL's sequences must move past them.
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("users", "devices", "backup_states"):
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


def demo_row_count(users, devices, events=0):
    """How many rows load_demo will store, for a progress bar."""
    users = max(users, len(DEMO_SIGNINS))
    return 2 * users + int(devices * 2.4) + events


_ENDPOINT_KEYS = ("id", "user_id", "org_id", "hostname", "os", "address", "remote_address")


# The demo's cloud events arrive through these data connections, one per cloud source.
DEMO_CONNECTIONS = [
    ("Acme Google Drive", "google_drive", "Shared drives and My Drive of the Acme Google Workspace."),
    ("Acme OneDrive", "onedrive", "OneDrive for Business, relayed from the Microsoft 365 audit log."),
    ("Acme Box", "box", "Enterprise Box account, from its event stream."),
    ("Acme Microsoft 365 mail", "microsoft365", "Outbound attachments from Exchange Online."),
    ("Acme Gmail", "gmail", "Outbound attachments from Gmail."),
]


def _load_connections(admin):
    """The demo's data connections (their tokens are not kept: replace one to try a sender); {event
    source: origin} of the events they bring."""
    origins = {}
    for name, kind, description in DEMO_CONNECTIONS:
        connection, _token = connections.create_connection(admin, name=name, kind=kind, description=description)
        origins[connections.KINDS[kind].source] = connection.origin
    return origins


def _count_connection_events(now):
    """Each demo connection's counts from the events it brought, and a refused request on the Gmail one."""
    for connection in db.session.scalars(select(DataConnection)):
        count, last = db.session.execute(select(func.count(), func.max(FileEvent.inserted_at))
                                         .where(FileEvent.origin == connection.origin)).one()
        connection.events_received, connection.last_event_at = count, last
        if connection.kind == "gmail":
            connection.events_rejected = 3
            db.session.add(IngestError(connection_id=connection.id, at=now - timedelta(hours=5),
                                       event_id="gm-18c2f0a9e41b7d35", message="events[2].eventTimestamp: "
                                       "eventTimestamp must be an ISO 8601 time"))
    db.session.commit()
