"""The files of the restic repositories kept on this server: one folder per device, restic's layout.

A repository folder holds `config`, and `keys/`, `locks/`, `snapshots/`, `index/` and `data/<two hex>/`
with files named by the SHA-256 of their contents (the layout restic's own rest-server keeps, so an
operator can copy a folder out and open it with `restic -r <folder>`). Every file is written once:
streamed to a temporary file in its folder, checked against its name, fsynced, linked into place (which
refuses an existing name atomically) and the folder fsynced, so a crash leaves either the whole file or
none of it. Names are checked against a strict pattern before any path is built from them.
"""
import hashlib
import os
import re

TYPES = ("data", "keys", "locks", "snapshots", "index")
LOCKS = "locks"
CONFIG = "config"
_NAME = re.compile(r"[0-9a-f]{64}\Z")
# Device GUIDs are 18 digits (models.base.new_guid); the column holds up to 32 characters.
_GUID = re.compile(r"[0-9a-f]{1,32}\Z")
_TEMPORARY = ".upload-"
# restic packs are 16 MiB by default: 1 MiB reads keep the copy's per-call cost negligible.
CHUNK = 1024 * 1024


class StorageError(Exception):
    """A refused operation; `status` is the HTTP status restic's rest-server answers for it."""
    status = 400


class BadName(StorageError):
    status = 400


class Missing(StorageError):
    status = 404


class Exists(StorageError):
    status = 403


class Mismatch(StorageError):
    status = 400


class Incomplete(StorageError):
    status = 400


def valid_guid(guid):
    """True when `guid` can name a repository folder (and so holds no path separator or dot)."""
    return bool(_GUID.match(guid or ""))


def _check_name(kind, name):
    if kind not in TYPES:
        raise Missing(f"no such file type: {kind[:20]!r}")
    if not _NAME.match(name or ""):
        raise BadName("a file name is 64 lowercase hexadecimal digits")


class RepositoryFiles:
    """The folder of one device's repository under `root`."""

    def __init__(self, root, guid):
        if not valid_guid(guid):
            raise BadName("not a device GUID")
        self.path = os.path.join(root, guid)

    def exists(self):
        return os.path.isdir(self.path)

    def create(self):
        """Make the repository's folders (restic then writes its config); an existing one is kept."""
        for kind in TYPES:
            os.makedirs(os.path.join(self.path, kind), exist_ok=True)
        for prefix in range(256):
            os.makedirs(os.path.join(self.path, "data", f"{prefix:02x}"), exist_ok=True)
        _fsync_folder(self.path)

    def _folder(self, kind, name):
        if kind == "data":
            return os.path.join(self.path, "data", name[:2])
        return os.path.join(self.path, kind)

    def file_path(self, kind, name):
        """The path of a file (`kind` "config" takes no name), checked but not required to exist."""
        if kind == CONFIG and name is None:
            return os.path.join(self.path, CONFIG)
        _check_name(kind, name)
        return os.path.join(self._folder(kind, name), name)

    def size(self, kind, name=None):
        """The size of a stored file; Missing when there is none."""
        try:
            return os.stat(self.file_path(kind, name)).st_size
        except (FileNotFoundError, NotADirectoryError):
            raise Missing("no such file") from None

    def listing(self, kind):
        """[(name, size)] of a type's files, in no particular order; Missing for an unknown type."""
        if kind not in TYPES:
            raise Missing(f"no such file type: {kind[:20]!r}")
        top = os.path.join(self.path, kind)
        if not os.path.isdir(top):
            raise Missing("no such repository")
        folders = [e.path for e in os.scandir(top) if e.is_dir()] if kind == "data" else [top]
        found = []
        for folder in folders:
            with os.scandir(folder) as entries:
                # Temporary files of uploads in progress (or cut off by a crash) do not match the pattern.
                found.extend((e.name, e.stat().st_size) for e in entries if _NAME.match(e.name) and e.is_file())
        return found

    def write(self, kind, name, stream, length=None, accept=None):
        """Store the body read from `stream` as a new file; returns its size.

        Refused with Exists when the name is taken, Mismatch when the SHA-256 of the body is not its
        name (config excepted), Incomplete when fewer bytes than `length` arrive. `accept(size)`, when
        given, is called once the body is complete and before the file is linked into place, so a
        refusal there (a quota) leaves nothing stored.
        """
        target = self.file_path(kind, name)
        folder = os.path.dirname(target)
        if os.path.exists(target):
            raise Exists("the file exists already; files are written once")
        if not os.path.isdir(folder):
            raise Missing("no such repository")
        temporary = os.path.join(folder, f"{_TEMPORARY}{os.getpid()}-{os.urandom(6).hex()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            digest, size = _copy(stream, fd)
            if length is not None and size != length:
                raise Incomplete(f"the body ended after {size} of {length} bytes")
            if kind != CONFIG and digest != name:
                raise Mismatch("the SHA-256 of the body is not the file's name")
            if accept is not None:
                accept(size)
            os.fsync(fd)
            os.close(fd)
            fd = None
            try:
                # link, not rename: it refuses an existing name, so two uploads of one name cannot both win.
                os.link(temporary, target)
            except FileExistsError:
                raise Exists("the file exists already; files are written once") from None
            return size
        finally:
            if fd is not None:
                os.close(fd)
            os.unlink(temporary)
            _fsync_folder(folder)

    def delete(self, kind, name=None):
        """Remove a file; returns the size it had. Missing when there is none."""
        path = self.file_path(kind, name)
        try:
            size = os.stat(path).st_size
            os.unlink(path)
        except (FileNotFoundError, NotADirectoryError):
            raise Missing("no such file") from None
        _fsync_folder(os.path.dirname(path))
        return size

    def totals(self):
        """(bytes, files) of everything the repository holds, walked from the disk (config included)."""
        total = count = 0
        if not self.exists():
            return 0, 0
        if os.path.isfile(os.path.join(self.path, CONFIG)):
            total, count = os.stat(os.path.join(self.path, CONFIG)).st_size, 1
        for kind in TYPES:
            if os.path.isdir(os.path.join(self.path, kind)):
                for _name, size in self.listing(kind):
                    total, count = total + size, count + 1
        return total, count


def _copy(stream, fd):
    """Write `stream` to `fd` in chunks; returns (hex SHA-256, bytes written)."""
    digest = hashlib.sha256()
    size = 0
    view = bytearray(CHUNK)
    while True:
        n = stream.readinto(view) if hasattr(stream, "readinto") else _read_into(stream, view)
        if not n:
            break
        chunk = memoryview(view)[:n]
        digest.update(chunk)
        while chunk:
            written = os.write(fd, chunk)
            chunk = chunk[written:]
        size += n
    return digest.hexdigest(), size


def _read_into(stream, buffer):
    data = stream.read(len(buffer))
    buffer[:len(data)] = data
    return len(data)


def _fsync_folder(path):
    # The new name is durable only once its folder is: without this a crash can lose a renamed file.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
