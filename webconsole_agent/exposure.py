"""Where a file is exposed, judged from its path: a cloud-sync folder or a removable-media mount."""
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath

log = logging.getLogger(__name__)

LINUX_REMOVABLE_PREFIXES = ("/media/", "/run/media/", "/mnt/")
DRIVE_REMOVABLE = 2  # GetDriveTypeW
BUS_TYPES = (("/usb", "USB"), ("/mmc", "SD"), ("/nvme", "NVMe"), ("/ata", "ATA"), ("/firewire", "FireWire"))


@dataclass(frozen=True)
class Mount:
    root: str
    volume_name: str
    name: str | None = None  # the device's model, where the OS tells it
    vendor: str | None = None
    bus_type: str | None = None


def _sync_service(component):
    c = component.casefold()
    if c == "dropbox" or c.startswith("dropbox ("):
        return "Dropbox"
    if c == "onedrive" or c.startswith("onedrive - "):
        return "OneDrive"
    if c in ("google drive", "my drive"):
        return "GoogleDrive"
    if c in ("icloud drive", "mobile documents"):
        return "ICloud"
    if c in ("box", "box sync"):
        return "Box"
    return None


def sync_destination(path):
    """The cloud-sync service whose folder holds the file at `path` (outermost folder first), or None."""
    for component in PurePath(path).parent.parts:
        service = _sync_service(component)
        if service:
            return service
    return None


def _read(path):
    try:
        return Path(path).read_text(errors="replace").strip() or None
    except OSError:
        return None


def _linux_device(device):
    """(model, vendor, bus type) of a block device such as /dev/sdb1 from sysfs, each None when unknown."""
    if not device.startswith("/dev/"):
        return None, None, None
    block = Path("/sys/class/block") / os.path.basename(os.path.realpath(device))
    if not block.exists():
        return None, None, None
    disk = block.resolve()
    if (disk / "partition").exists():
        disk = disk.parent
    bus = next((name for marker, name in BUS_TYPES if marker in str(disk)), None)
    return _read(disk / "device" / "model"), _read(disk / "device" / "vendor"), bus


def _unescape(field):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def linux_mounts(mounts_file="/proc/self/mounts", prefixes=LINUX_REMOVABLE_PREFIXES):
    """Mounts under /media/, /run/media/ and /mnt/, from /proc/self/mounts."""
    try:
        with open(mounts_file, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    mounts = []
    for line in lines:
        fields = line.split()
        if len(fields) < 2:
            continue
        device, root = _unescape(fields[0]), _unescape(fields[1])
        if root.startswith(prefixes):
            model, vendor, bus = _linux_device(device)
            mounts.append(Mount(root, os.path.basename(root), model, vendor, bus))
    return mounts


def macos_mounts(volumes="/Volumes"):
    """Volumes under /Volumes other than the root volume."""
    try:
        root_device = os.stat("/").st_dev
        entries = list(os.scandir(volumes))
    except OSError:
        return []
    mounts = []
    for entry in entries:
        try:
            if entry.is_dir() and os.stat(entry.path).st_dev != root_device:
                mounts.append(Mount(entry.path, entry.name))
        except OSError:
            continue
    return mounts


def windows_mounts():
    """Drive letters Windows reports as DRIVE_REMOVABLE."""
    try:
        import ctypes

        kernel32 = ctypes.windll.kernel32
    except (ImportError, AttributeError, OSError):
        return []
    mounts = []
    drives = kernel32.GetLogicalDrives()
    for n in range(26):
        root = f"{chr(ord('A') + n)}:\\"
        if not drives & (1 << n) or kernel32.GetDriveTypeW(root) != DRIVE_REMOVABLE:
            continue
        label = ctypes.create_unicode_buffer(261)
        if not kernel32.GetVolumeInformationW(root, label, len(label), None, None, None, None, 0):
            label.value = ""
        mounts.append(Mount(root, label.value or root[:2]))
    return mounts


def removable_mounts():
    """The removable-media mounts of this machine now."""
    if sys.platform == "darwin":
        return macos_mounts()
    if sys.platform.startswith("win"):
        return windows_mounts()
    return linux_mounts()


def _under(path, root):
    path, root = os.path.normcase(path), os.path.normcase(root)
    return path == root or path.startswith(root.rstrip("/\\") + os.sep)


class Classifier:
    """Exposure fields of file events; `mounts` (the removable-media mounts) defaults to this machine's."""

    def __init__(self, mounts=None, folders=()):
        """`folders`: more paths to treat as removable media (the configuration's removable_media)."""
        found = (removable_mounts() if mounts is None else list(mounts)) + [
            Mount(os.path.abspath(os.path.expanduser(f)), os.path.basename(os.path.normpath(f)) or f) for f in folders]
        self.mounts = sorted(found, key=lambda m: len(m.root), reverse=True)

    def mount_of(self, path):
        """The removable-media mount holding `path`, or None."""
        return next((m for m in self.mounts if _under(path, m.root)), None)

    def fields(self, path):
        """exposure, syncDestination and removableMedia* fields for the file at `path` (empty when unexposed)."""
        fields, exposure = {}, []
        service = sync_destination(path)
        if service:
            exposure.append("CloudStorage")
            fields["syncDestination"] = service
        mount = self.mount_of(path)
        if mount:
            exposure.append("RemovableMedia")
            fields["removableMediaVolumeName"] = mount.volume_name
            for key, known in (("removableMediaName", mount.name), ("removableMediaVendor", mount.vendor),
                               ("removableMediaBusType", mount.bus_type)):
                if known:
                    fields[key] = known
        if exposure:
            fields["exposure"] = exposure
        return fields
