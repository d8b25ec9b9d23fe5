"""Change detection: walk the backup sets, compare with the scan index, queue file events.

A file whose size or modification time changed is hashed again (MD5 and SHA-256 in one pass); only a
changed hash makes it MODIFIED. Files under a folder no scan has covered yet (the first scan of a new
agent, a newly added backup set) only enter the index: installing an agent must not flood the console.
Events and the index changes behind them are committed in one transaction.
"""
import hashlib
import logging
import os
import secrets
import stat
import time
import uuid
from dataclasses import dataclass, field

from webconsole_agent import system
from webconsole_agent.state import IndexEntry, utc_now

log = logging.getLogger(__name__)

CHUNK = 1 << 20
FLUSH_EVERY = 500  # index changes per transaction
CATEGORIES = {
    "Audio": "aac aif aiff amr flac m4a mid midi mp3 oga ogg opus wav wma",
    "Archive": "7z bz2 cab gz lz lzma rar tar tbz2 tgz txz xz z zip zst",
    "Document": "doc docm docx dot dotx md odt pages rtf tex txt wpd",
    "Executable": "apk app appimage bin com deb dll dmg dylib elf exe msi pkg rpm so",
    "Image": "bmp gif heic heif ico jpeg jpg png psd raw svg tif tiff webp",
    "Pdf": "pdf",
    "Presentation": "key odp pps ppsx ppt pptm pptx",
    "Script": "bash bat cmd fish js ksh pl ps1 psm1 sh vbs zsh",
    "SourceCode": "c cc cpp cs css go h hpp htm html java kt m php py rb rs scala sql swift ts tsx",
    "Spreadsheet": "csv numbers ods tsv xls xlsb xlsm xlsx",
    "Video": "3gp avi flv m4v mkv mov mp4 mpeg mpg webm wmv",
    "VirtualDiskImage": "img iso ova ovf qcow2 vdi vhd vhdx vmdk",
}
_BY_EXTENSION = {ext: name for name, exts in CATEGORIES.items() for ext in exts.split()}



def event_id():
    """A UUIDv7 (RFC 9562): random, but ids of recent events sort together, so the console's index of
    event ids grows at its end instead of at random places."""
    milliseconds = time.time_ns() // 1_000_000
    value = (milliseconds << 80) | (0x7 << 76) | (secrets.randbits(12) << 64) | (0b10 << 62) | secrets.randbits(62)
    return str(uuid.UUID(int=value))

def file_category(name):
    """The protocol's fileCategory for a file name, from its extension; None when unknown."""
    _stem, dot, ext = name.rpartition(".")
    return _BY_EXTENSION.get(ext.lower()) if dot and _stem else None


class Stopped(Exception):
    """The agent is shutting down: the scan ends early."""


def hash_file(path, stop=None):
    """(md5, sha256, bytes read) of a file, read once in chunks."""
    md5, sha256, size = hashlib.md5(usedforsecurity=False), hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            if stop is not None and stop.is_set():
                raise Stopped
            md5.update(chunk)
            sha256.update(chunk)
            size += len(chunk)
    return md5.hexdigest(), sha256.hexdigest(), size


def expand(path):
    """An absolute, normalised path: "~" expanded, a relative path taken from the home folder."""
    path = os.path.expanduser(path)
    if not os.path.isabs(path):
        path = os.path.join(os.path.expanduser("~"), path)
    return os.path.normpath(path)


def is_under(path, folder):
    """Is `path` the folder itself or inside it (by whole path components)?"""
    path, folder = os.path.normcase(path), os.path.normcase(folder)
    return path == folder or path.startswith(folder.rstrip("/\\") + os.sep)


def _steps(path, root):
    """`path` and every folder above it up to and including `root` (which holds it)."""
    while True:
        yield path
        parent = os.path.dirname(path)
        if os.path.normcase(path) == os.path.normcase(root) or parent == path:
            return
        path = parent


def text(path):
    """A path as text for the server: bytes that are not valid UTF-8 become U+FFFD."""
    return os.fsencode(path).decode("utf-8", "replace")


@dataclass(frozen=True)
class SetScope:
    roots: tuple
    excluded: tuple
    destinations: tuple


class Scope:
    """Which paths the backup sets select: under an included path of a set and not excluded by it."""

    def __init__(self, backup_sets, patterns, always_excluded=()):
        always = tuple(expand(p) for p in always_excluded)
        self.sets = [SetScope(tuple(dict.fromkeys(expand(p) for p in s.included_paths)),
                              tuple(expand(p) for p in s.excluded_paths) + always, tuple(s.destinations))
                     for s in backup_sets]
        self.patterns = patterns

    def roots(self):
        """Every included path, once."""
        return list(dict.fromkeys(root for s in self.sets for root in s.roots))

    def skipped(self, path, set_scope):
        """Is `path` excluded from this set, by an excluded path or a file name exclusion?"""
        return any(is_under(path, ex) for ex in set_scope.excluded) or \
            any(p.fullmatch(path) for p in self.patterns)

    def selects(self, path):
        """Does any set select `path` (neither it nor a folder above it, up to the set's root, skipped)?"""
        for s in self.sets:
            for root in s.roots:
                if is_under(path, root) and not any(self.skipped(step, s) for step in _steps(path, root)):
                    return True
        return False


@dataclass
class ScanResult:
    scanned: int = 0
    created: int = 0
    modified: int = 0
    deleted: int = 0
    queued: int = 0
    complete: bool = False
    destinations: dict = field(default_factory=dict)  # destination -> [files, bytes]
    selection: dict = field(default_factory=dict)  # destination -> [paths]: what a backup to it takes

    def summary(self):
        """One line for people."""
        state = "" if self.complete else " (stopped early)"
        return (f"scanned {self.scanned} files{state}: {self.created} created, {self.modified} modified, "
                f"{self.deleted} deleted; {self.queued} events queued")


class Scanner:
    """One scan of the backup sets against the index in `state`."""

    def __init__(self, state, scope, classifier, stop=None):
        self.state, self.scope, self.classifier, self.stop = state, scope, classifier, stop
        self.result = ScanResult()
        self.index = state.index()
        self.covered = state.get("covered_roots", [])
        self.seen = {}  # path -> [size, bit set of the backup sets selecting it]
        self.pending = []  # (path, IndexEntry or None to drop, event or None)
        self.user = system.current_user()
        self.addresses = system.private_addresses()

    def run(self):
        """Scan, queue the events, and return a ScanResult (complete=False when stopped early)."""
        try:
            for n, set_scope in enumerate(self.scope.sets):
                for root in set_scope.roots:
                    self._walk(root, set_scope, 1 << n)
            self._deletions()
            self.result.complete = True
        except Stopped:
            log.info("scan stopped early")
        self._finish()
        return self.result

    def _stopping(self):
        if self.stop is not None and self.stop.is_set():
            raise Stopped

    def _walk(self, root, set_scope, bit):
        if self.scope.skipped(root, set_scope):
            return
        try:
            top = os.stat(root)  # an included path may itself be a link (a moved home folder); nothing below it is
        except OSError as e:
            log.debug("cannot scan %s: %s", root, e.strerror)
            return
        if stat.S_ISREG(top.st_mode):
            self._visit(root, top, bit)
            return
        folders = [root] if stat.S_ISDIR(top.st_mode) else []
        while folders:
            folder = folders.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = list(listing)
            except OSError as e:
                log.debug("cannot list %s: %s", folder, e.strerror)
                continue
            for entry in entries:
                if self.scope.skipped(entry.path, set_scope):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        self._visit(entry.path, entry.stat(follow_symlinks=False), bit)
                except OSError as e:  # vanished or unreadable while we looked
                    log.debug("skipping %s: %s", entry.path, e.strerror)

    def _visit(self, path, st, bit):
        self._stopping()
        if path in self.seen:
            self.seen[path][1] |= bit
            return
        self.seen[path] = [st.st_size, bit]
        self.result.scanned += 1
        old = self.index.get(path)
        if old and (old.size, old.mtime_ns) == (st.st_size, st.st_mtime_ns):
            return
        try:
            md5, sha256, size = hash_file(path, self.stop)
        except OSError as e:
            log.debug("cannot read %s: %s", path, e.strerror)
            return
        if size != st.st_size:
            log.debug("%s changed while it was read; next scan", path)
            return
        entry = IndexEntry(st.st_size, st.st_mtime_ns, md5, sha256, system.owner_name(st.st_uid))
        if old and (old.md5, old.sha256) == (md5, sha256):
            self._queue(path, entry, None)
        elif old:
            self.result.modified += 1
            self._queue(path, entry, self._event("MODIFIED", path, entry))
        elif any(is_under(path, root) for root in self.covered):
            self.result.created += 1
            self._queue(path, entry, self._event("CREATED", path, entry))
        else:
            self._queue(path, entry, None)

    def _deletions(self):
        for path in self.index:
            if path in self.seen:
                continue
            self._stopping()
            if not self.scope.selects(path):
                self._queue(path, None, None)  # no longer in a backup set: forget it quietly
                continue
            try:
                st = os.lstat(path)
            except (FileNotFoundError, NotADirectoryError):
                st = None
            except OSError:
                continue
            if st is None or not stat.S_ISREG(st.st_mode):
                self.result.deleted += 1
                self._queue(path, None, self._event("DELETED", path, None))
            # else: a folder above it could not be listed this time; keep it

    def _event(self, event_type, path, entry):
        folder, name = os.path.split(text(path))
        event = {"eventId": event_id(), "eventType": event_type, "eventTimestamp": utc_now(),
                 "fileName": name, "filePath": folder if folder.endswith(os.sep) else folder + os.sep}
        if entry is not None:
            event.update(fileSize=entry.size, md5Checksum=entry.md5, sha256Checksum=entry.sha256)
            if entry.owner:
                event["fileOwner"] = text(entry.owner)
        category = file_category(name)
        if category:
            event["fileCategory"] = category
        if self.user:
            event["operatingSystemUser"] = self.user
        if self.addresses:
            event["privateIpAddresses"] = self.addresses
        event.update(self.classifier.fields(text(path)))
        return event

    def _queue(self, path, entry, event):
        self.pending.append((path, entry, event))
        if len(self.pending) >= FLUSH_EVERY:
            self._flush()

    def _flush(self, **meta):
        with self.state.transaction():
            for path, entry, event in self.pending:
                if entry is None:
                    self.state.unindex_file(path)
                else:
                    self.state.index_file(path, entry)
                if event is not None:
                    self.state.queue_event(event)
            for key, value in meta.items():
                self.state.put(key, value)
        self.pending = []

    def _finish(self):
        if not self.result.complete:
            self._flush()
            self.result.queued = self.state.queued_count()
            return
        totals, by_bits, selection = {}, {}, {}
        for path, (size, bits) in self.seen.items():
            if bits not in by_bits:
                by_bits[bits] = {d for n, s in enumerate(self.scope.sets) if bits >> n & 1 for d in s.destinations}
            for destination in by_bits[bits]:
                counted = totals.setdefault(str(destination), [0, 0])
                counted[0] += 1
                counted[1] += size
                selection.setdefault(str(destination), []).append(path)
        self.result.destinations, self.result.selection = totals, selection
        self._flush(covered_roots=self.scope.roots(), last_scan={
            "at": utc_now(), "files": self.result.scanned, "bytes": sum(size for size, _b in self.seen.values()),
            "created": self.result.created, "modified": self.result.modified, "deleted": self.result.deleted,
            "destinations": totals})
        self.result.queued = self.state.queued_count()


def scan(state, backup_sets, patterns, classifier, always_excluded=(), stop=None):
    """Scan the backup sets once; see Scanner."""
    return Scanner(state, Scope(backup_sets, patterns, always_excluded), classifier, stop).run()
