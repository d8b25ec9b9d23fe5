"""Realistic synthetic file events in the agent protocol's v1 shape, for demos and load tests."""
import hashlib
import uuid
from datetime import UTC, timedelta

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
