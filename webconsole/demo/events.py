"""Realistic synthetic file events in the agent protocol's v1 shape, for demos and load tests."""
import hashlib
import random
import uuid
from bisect import bisect
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from itertools import accumulate

FOLDERS = ["Documents", "Documents/Projects", "Desktop", "Downloads", "Documents/Finance", "Pictures",
           "src/webapp", "Documents/Contracts"]
CLOUD_FOLDERS = [("Dropbox", "Dropbox"), ("OneDrive - Example Corp", "OneDrive"), ("Google Drive", "GoogleDrive"),
                 ("iCloud Drive", "ICloud"), ("Box", "Box")]
USB_VOLUMES = [("KINGSTON", "Kingston DataTraveler 3.0", "Kingston"), ("SANDISK", "SanDisk Ultra", "SanDisk"),
               ("BACKUP-2TB", "WD Elements 25A3", "Western Digital")]
FILES = [
    ("q{n}-forecast.xlsx", "Spreadsheet"), ("customer-list-{n}.csv", "Spreadsheet"), ("board-deck-{n}.pptx",
    "Presentation"), ("contract-{n}.pdf", "Pdf"), ("design-spec-{n}.docx", "Document"), ("notes-{n}.txt", "Document"),
    ("screenshot-{n}.png", "Image"), ("release-{n}.zip", "Archive"), ("deploy-{n}.sh", "Script"),
    ("service-{n}.py", "SourceCode"), ("recording-{n}.mp4", "Video"), ("podcast-{n}.mp3", "Audio"),
    ("vm-image-{n}.vmdk", "VirtualDiskImage"), ("installer-{n}.exe", "Executable"),
]


def time_ordered_id(moment, rng):
    """A UUIDv7 (RFC 9562) for an event at `moment`: ids of recent events sort together, so the
    console's (origin, event id) index grows at its end instead of at random pages."""
    ms = int(moment.replace(tzinfo=UTC).timestamp() * 1000)
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
    return str(uuid.UUID(int=value))


def _hashes(seed):
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return hashlib.md5(seed.encode(), usedforsecurity=False).hexdigest(), digest


def fake_event(rng, when, home="/home/user", exposure_share=0.3):
    """One file event observed at `when` (naive UTC) under `home`; about `exposure_share` are exposed."""
    name_pattern, category = rng.choice(FILES)
    name = name_pattern.format(n=rng.randint(1, 400))
    kind = rng.choices(["CREATED", "MODIFIED", "DELETED"], weights=[50, 35, 15])[0]
    event = {"eventId": time_ordered_id(when, rng), "eventType": kind,
             "eventTimestamp": when.isoformat(timespec="milliseconds") + "Z", "fileName": name,
             "fileCategory": category, "fileOwner": home.rstrip("/").rsplit("/", 1)[-1]}
    roll = rng.random()
    if roll < exposure_share * 0.6:
        folder, destination = rng.choice(CLOUD_FOLDERS)
        event.update(filePath=f"{home}/{folder}/{rng.choice(FOLDERS)}/", exposure=["CloudStorage"],
                     syncDestination=destination)
    elif roll < exposure_share:
        volume, media, vendor = rng.choice(USB_VOLUMES)
        event.update(filePath=f"/media/{volume}/{rng.choice(FOLDERS)}/", exposure=["RemovableMedia"],
                     removableMediaVolumeName=volume, removableMediaName=media, removableMediaVendor=vendor,
                     removableMediaBusType="USB")
    else:
        event["filePath"] = f"{home}/{rng.choice(FOLDERS)}/"
    if kind != "DELETED":
        md5, sha256 = _hashes(f"{name}:{rng.randint(1, 50)}")
        event.update(fileSize=rng.randint(1_000, 50_000_000), md5Checksum=md5, sha256Checksum=sha256)
    return event


def fake_events(rng, count, end, span=timedelta(minutes=1), home="/home/user"):
    """`count` events spread over the `span` before `end`, oldest first."""
    moments = sorted(end - span * rng.random() for _ in range(count))
    return [fake_event(rng, moment, home) for moment in moments]


# The demo's event history: users' working days over the last weeks, with a few risky users.
# Events are built in the v1 shape (as an agent or an import would send them), one kind at a time.

KINDS = ("local", "sync", "usb", "upload", "print", "email", "share")
ENDPOINT_KINDS = frozenset(("local", "sync", "usb", "upload", "print"))  # seen by an agent on a device
# (The others, "email" and "share", are seen by a cloud service: the user's, on no device.)
# How often each kind happens, in KINDS order.
KIND_WEIGHTS = {
    "normal": (80, 7, 1, 1.5, 3, 5, 2.5),
    "risky": (30, 14, 24, 20, 3, 6, 3),  # copying the files away: USB, sync folders, browser uploads
    "cloud": (0, 0, 0, 0, 0, 85, 15),  # users without a device
}
DAY_WEIGHTS = (1.0, 1.05, 1.05, 1.0, 0.85, 0.12, 0.08)  # Monday .. Sunday
HOUR_WEIGHTS = (0.05, 0.03, 0.03, 0.03, 0.05, 0.1, 0.25, 0.6, 1.1, 1.4, 1.5, 1.4, 0.9, 1.2, 1.4, 1.35, 1.2,
                0.9, 0.5, 0.3, 0.2, 0.15, 0.1, 0.07)  # UTC hours, 0 .. 23

SENSITIVE = ("q", "customer-list-", "board-deck-", "contract-", "design-spec-", "service-")  # name prefixes
DOCUMENTS = frozenset(("Spreadsheet", "Presentation", "Pdf", "Document", "Image"))  # what people print and e-mail
VERSIONS = 3  # contents (hashes) each demo file goes through
SIZES = {"Spreadsheet": (20_000, 8_000_000), "Presentation": (500_000, 40_000_000), "Pdf": (50_000, 12_000_000),
         "Document": (10_000, 4_000_000), "Image": (80_000, 9_000_000), "Archive": (1_000_000, 900_000_000),
         "Script": (500, 40_000), "SourceCode": (1_000, 200_000), "Video": (20_000_000, 2_000_000_000),
         "Audio": (2_000_000, 90_000_000), "VirtualDiskImage": (2_000_000_000, 60_000_000_000),
         "Executable": (1_000_000, 300_000_000)}
# destinationCategory, destinationName, tab URL, tab title, risk indicator (the original's names)
BROWSER_UPLOADS = [
    ("Cloud Storage", "Dropbox", "https://www.dropbox.com/home", "Files - Dropbox", "Dropbox upload"),
    ("Cloud Storage", "Google Drive", "https://drive.google.com/drive/my-drive", "My Drive - Google Drive",
     "Google Drive upload"),
    ("Cloud Storage", "WeTransfer", "https://wetransfer.com/", "WeTransfer | Send Large Files", "Other destination"),
    ("Cloud Storage", "Mega", "https://mega.nz/fm", "MEGA", "Mega upload"),
    ("Cloud Storage", "Box", "https://app.box.com/folder/0", "All Files | Powered by Box", "Box upload"),
    ("Social Media", "LinkedIn", "https://www.linkedin.com/messaging/", "Messaging | LinkedIn", "LinkedIn upload"),
    ("Social Media", "Facebook", "https://www.facebook.com/messages/t/", "Messenger | Facebook", "Facebook upload"),
    ("Social Media", "Reddit", "https://www.reddit.com/submit", "Submit to Reddit", "Reddit upload"),
]
BROWSERS = {"windows": ("chrome.exe", "chrome.exe", "firefox.exe", "msedge.exe"),
            "macos": ("Google Chrome", "Google Chrome", "firefox", "Safari"), "linux": ("chrome", "firefox")}
PRINTERS = ("HP LaserJet M607 (3rd floor)", "Canon iR-ADV C5550 (Reception)", "Brother HL-L8360CDW (Finance)",
            "Xerox VersaLink C405 (Lab)", "Microsoft Print to PDF")
EDITORS = {"windows": ("WINWORD.EXE", "EXCEL.EXE", "POWERPNT.EXE", "AcroRd32.exe"),
           "macos": ("Microsoft Word", "Microsoft Excel", "Preview"), "linux": ("soffice.bin", "evince")}
EXTERNAL_DOMAINS = ("gmail.com", "outlook.com", "protonmail.com", "northwind-partners.com", "contoso-law.com")
SUBJECTS = ("{name}", "FW: {name}", "For review: {name}", "Numbers for Monday", "As discussed", "Signed copy",
            "Re: quarterly review")
CLOUD_SHARES = [
    # source, root folder, exposure, risk indicator
    ("OneDrive", "/personal/Documents/", "SharedViaLink", "Public link from corporate OneDrive"),
    ("GoogleDrive", "/My Drive/", "SharedToDomain", "Shared from corporate Google Drive"),
    ("GoogleDrive", "/My Drive/", "OutsideTrustedDomains", "Shared from corporate Google Drive"),
    ("Box", "/All Files/", "IsPublic", "Public link from corporate Box"),
]
USB_SERIALS = "0123456789ABCDEF"
SYNC_INDICATORS = {"Dropbox": "Dropbox upload", "ICloud": "iCloud upload", "GoogleDrive": "Google Drive upload",
                   "Box": "Box upload"}  # OneDrive is the company's own


def file_pool(size=300):
    """The demo's files: (name, category, size, [(md5, sha256) of each version]); the same for every load,
    so users who pass a file around share its hashes."""
    if size not in _POOLS:
        rng, pool = random.Random(size), []
        for n in range(1, size + 1):
            for pattern, category in FILES:
                name = pattern.format(n=n)
                low, high = SIZES[category]
                pool.append((name, category, int(low * (high / low) ** rng.random()),
                             [_hashes(f"{name}:{v}") for v in range(1, VERSIONS + 1)]))
        _POOLS[size] = pool
    return _POOLS[size]


_POOLS = {}


@dataclass
class Endpoint:
    """A device as its events name it."""
    hostname: str
    os: str
    os_user: str
    private_ip: str
    public_ip: str
    usb: tuple  # the removable drive its user plugs in: volume, name, vendor, serial number


@dataclass
class Person:
    """A user as their events name them, the files they work on and how they behave."""
    username: str
    files: list  # file_pool() entries
    documents: list  # those of them one prints or e-mails
    profile: str = "normal"  # a KIND_WEIGHTS key
    endpoints: list = field(default_factory=list)


def make_endpoint(rng, hostname, os_name, username, private_ip, public_ip):
    """A device of `username`'s, with the OS account and the USB drive its events will name."""
    local = username.split("@")[0]
    os_user = local.replace(".", "")[:20] if os_name == "macos" else local
    volume, media, vendor = rng.choice(USB_VOLUMES)
    serial = "".join(rng.choice(USB_SERIALS) for _ in range(16))
    return Endpoint(hostname, os_name, os_user, private_ip, public_ip, (volume, media, vendor, serial))


def make_person(rng, username, profile="normal", working_set=40):
    """A user working on `working_set` files of the pool; a risky one on many sensitive ones too."""
    pool = file_pool()
    files = rng.sample(pool, working_set)
    if profile == "risky":
        files += [entry for entry in rng.sample(pool, 200) if entry[0].startswith(SENSITIVE)]
    documents = [entry for entry in files if entry[1] in DOCUMENTS] or files
    return Person(username, files, documents, profile)


def event_moments(rng, count, end, days=90):
    """`count` naive-UTC moments (whole milliseconds) within the `days` before `end`, oldest first; mostly
    at working hours on weekdays."""
    end = end.replace(microsecond=end.microsecond // 1000 * 1000)
    start, hour = end - timedelta(days=days), timedelta(hours=1)
    spans = []  # per day: [(from, milliseconds, weight)] of its hours (or parts of them) in range
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        parts = []
        for h, weight in enumerate(HOUR_WEIGHTS):
            low, high = max(day + hour * h, start), min(day + hour * (h + 1), end)
            if high > low:
                parts.append((low, (high - low) // timedelta(milliseconds=1),
                              DAY_WEIGHTS[day.weekday()] * weight * ((high - low) / hour)))
        if parts:
            spans.append(parts)
        day += timedelta(days=1)
    total = sum(weight for parts in spans for *_part, weight in parts)
    owed, made = 0.0, 0
    for parts in spans:
        owed += count * sum(weight for *_part, weight in parts) / total
        share = min(round(owed) - made, count - made) if parts is not spans[-1] else count - made
        made += share
        cumulative = list(accumulate(weight for *_part, weight in parts))
        moments = sorted(low + timedelta(milliseconds=rng.randrange(length))
                         for low, length, _weight in rng.choices(parts, cum_weights=cumulative, k=share))
        yield from moments


def pick_kind(rng, person):
    """A kind of event, as often as the person's profile has it (cloud kinds only without a device)."""
    cumulative = _CUMULATIVE[person.profile if person.endpoints else "cloud"]
    return KINDS[bisect(cumulative, rng.random() * cumulative[-1])]


_CUMULATIVE = {profile: list(accumulate(weights)) for profile, weights in KIND_WEIGHTS.items()}


def fake_activity(rng, when, person, kind, endpoint=None):
    """One v1 event of `kind` (KINDS) at `when` by `person`, on `endpoint` for the endpoint kinds."""
    name, category, size, versions = rng.choice(person.documents if kind in ("email", "print") else person.files)
    md5, sha256 = versions[rng.randrange(VERSIONS)]
    off_hours = when.weekday() >= 5 or not 7 <= when.hour < 19
    event = {"eventId": time_ordered_id(when, rng), "eventTimestamp": when.isoformat(timespec="milliseconds") + "Z",
             "fileName": name, "fileCategory": category, "deviceUserName": person.username,
             "fileSize": int(size * (0.9 + 0.2 * rng.random())), "md5Checksum": md5, "sha256Checksum": sha256}
    if off_hours:
        event["outsideActiveHours"] = True
    if kind in ENDPOINT_KINDS:
        _on_endpoint(rng, event, kind, person, endpoint)
    elif kind == "email":
        _emailed(rng, event, person)
    else:
        _shared(rng, event, person)
    indicators = event.get("riskIndicatorNames")
    if indicators:
        if off_hours:
            indicators.append("Off hours")
        score = sum(_WEIGHTS.get(indicator, 3) for indicator in indicators)
        event.update(riskScore=score, riskSeverity=_severity(score))
    return event


_WEIGHTS = {"Off hours": 2, "Removable media": 5, "Other destination": 4, "Dropbox upload": 5, "Mega upload": 6,
            "Google Drive upload": 4, "Box upload": 3}


def _severity(score):
    return "LOW" if score <= 3 else "MODERATE" if score <= 6 else "HIGH" if score <= 9 else "CRITICAL"


def _home(endpoint):
    return {"windows": "C:/Users/", "macos": "/Users/"}.get(endpoint.os, "/home/") + endpoint.os_user


def _on_endpoint(rng, event, kind, person, endpoint):
    home = _home(endpoint)
    event.update(source="Endpoint", osHostName=endpoint.hostname, operatingSystemUser=endpoint.os_user,
                 fileOwner=endpoint.os_user, privateIpAddresses=[endpoint.private_ip],
                 publicIpAddress=endpoint.public_ip)
    if kind == "local":
        event_type = rng.choices(("CREATED", "MODIFIED", "DELETED"), cum_weights=(45, 85, 100))[0]
        event.update(eventType=event_type, filePath=f"{home}/{rng.choice(FOLDERS)}/")
        if event_type == "DELETED":
            for key in ("fileSize", "md5Checksum", "sha256Checksum"):
                del event[key]
    elif kind == "sync":
        folder, destination = rng.choice(CLOUD_FOLDERS)
        event.update(eventType=rng.choice(("CREATED", "MODIFIED")), filePath=f"{home}/{folder}/{rng.choice(FOLDERS)}/",
                     exposure=["CloudStorage"], syncDestination=destination, syncDestinationUsername=person.username)
        if destination in SYNC_INDICATORS:
            event["riskIndicatorNames"] = [SYNC_INDICATORS[destination]]
    elif kind == "usb":
        volume, media, vendor, serial = endpoint.usb
        root = {"windows": "E:/", "macos": f"/Volumes/{volume}/"}.get(endpoint.os,
                                                                     f"/media/{endpoint.os_user}/{volume}/")
        event.update(eventType="CREATED", filePath=root + rng.choice(("", "backup/", "work/", "docs/")),
                     exposure=["RemovableMedia"], removableMediaVolumeName=volume, removableMediaName=media,
                     removableMediaVendor=vendor, removableMediaSerialNumber=serial, removableMediaBusType="USB",
                     removableMediaCapacity=rng.choice((32, 64, 128, 2000)) * 1_000_000_000,
                     removableMediaPartitionId=f"{serial[:8]}-0001", riskIndicatorNames=["Removable media"])
    elif kind == "upload":
        category, name, url, title, indicator = rng.choice(BROWSER_UPLOADS)
        event.update(eventType="READ_BY_APP", filePath=f"{home}/{rng.choice(('Downloads', 'Desktop', 'Documents'))}/",
                     exposure=["ApplicationRead"], processName=rng.choice(BROWSERS[endpoint.os]),
                     processOwner=endpoint.os_user, destinationCategory=category, destinationName=name,
                     tabUrls=[url], tabTitles=[title], riskIndicatorNames=[indicator])
    else:  # print
        event.update(eventType="PRINTED", filePath=f"{home}/{rng.choice(FOLDERS)}/", printerName=rng.choice(PRINTERS),
                     printJobName=event["fileName"], processName=rng.choice(EDITORS[endpoint.os]),
                     processOwner=endpoint.os_user)


def _emailed(rng, event, person):
    local, _, domain = person.username.partition("@")
    recipients = [f"{rng.choice(('anna', 'team', 'j.doe', 'finance', 'sales'))}@{domain}"
                  for _ in range(rng.randint(1, 3))]
    if rng.random() < (0.6 if person.profile == "risky" else 0.15):
        recipients.append(f"{local.split('.')[0]}{rng.randint(1, 99)}@{rng.choice(EXTERNAL_DOMAINS)}")
    source = rng.choice(("Office365", "Office365", "Gmail"))
    event.update(eventType="EMAILED", source=source, filePath="/attachments/", emailSender=person.username,
                 emailRecipients=recipients, fileOwner=person.username,
                 emailSubject=rng.choice(SUBJECTS).format(name=event["fileName"]))
    if not recipients[-1].endswith("@" + domain):
        event["exposure"] = ["OutsideTrustedDomains"]
        if source == "Gmail":
            event["riskIndicatorNames"] = ["Sent from corporate Gmail"]


def _shared(rng, event, person):
    source, root, exposure, indicator = rng.choice(CLOUD_SHARES)
    event.update(eventType="MODIFIED", source=source, filePath=root + rng.choice(FOLDERS) + "/",
                 fileOwner=person.username, exposure=[exposure], riskIndicatorNames=[indicator])
