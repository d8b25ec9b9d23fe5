"""restic on the console's own storage: reading a device's repository to browse and restore from it.

Everything here reads: restic runs with --no-lock (it writes no lock file into a repository the
REST storage accounts for) and --no-cache, the password in its environment, never on its command line.
Output is streamed from restic's stdout, so a restore of any size is never held in memory.
"""
import json
import os
import shutil
import subprocess
import tarfile
import threading
import zipfile
from datetime import datetime

CHUNK = 1 << 20


class ResticUnavailable(Exception):
    """restic is not installed on the server, or the repository cannot be opened; the message says why."""


class Repository:
    """A restic repository (a folder on this server's disk, or as restic names another, such as s3:…),
    opened with `password`; `environment` holds what restic needs besides (an S3 key)."""

    def __init__(self, repository, password, environment=None, destination=None):
        self.destination = destination  # the Destination it is kept at, for the record of a restore
        binary = shutil.which("restic")
        if binary is None:
            raise ResticUnavailable("restic is not installed on the server: install it (apt install restic)")
        if os.path.isabs(repository) and not os.path.isfile(os.path.join(repository, "config")):
            raise ResticUnavailable("this device has no backup on this server yet")
        self.command = [binary, "--no-lock", "--no-cache", "-r", repository]
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RESTIC_PASSWORD": password,
                    "HOME": os.environ.get("HOME", "/tmp"), **(environment or {})}

    def _run(self, *arguments):
        done = subprocess.run([*self.command, "--json", *arguments], env=self.env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=600)
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            text = message[-1] if message else f"restic exited with {done.returncode}"
            if "wrong password" in text or "no key found" in text:
                raise WrongPassword(text)
            raise ResticUnavailable(text[:500])
        return done.stdout

    def snapshots(self):
        """The snapshots, newest first: [{"id", "time", "paths", "hostname"}]."""
        found = json.loads(self._run("snapshots") or b"[]")
        found.sort(key=lambda s: s.get("time", ""), reverse=True)
        return found

    def list(self, snapshot, folder):
        """The entries directly in `folder` of `snapshot` (folders first, then by name)."""
        entries = []
        for raw in self._run("ls", snapshot, folder).splitlines():
            line = json.loads(raw)
            if line.get("struct_type") == "snapshot" or line.get("path") == folder:
                continue
            entries.append(line)
        entries.sort(key=lambda e: (e.get("type") != "dir", e.get("name", "").lower()))
        return entries

    def find(self, snapshot, pattern, limit):
        """Up to `limit` entries of `snapshot` whose name matches the glob `pattern` (case-insensitive)."""
        found = json.loads(self._run("find", "--ignore-case", "--snapshot", snapshot, pattern) or b"[]")
        matches = [m for group in found for m in group.get("matches") or ()]
        return matches[:limit]

    def size(self, snapshot, paths):
        """(files, bytes, {path: "file" or "dir"}) of `paths` of `snapshot` and everything under them."""
        files = total = 0
        kinds = {}
        wanted = set(paths)
        for raw in self._run("ls", "--recursive", snapshot, *paths).splitlines():
            line = json.loads(raw)
            if line.get("path") in wanted:
                kinds[line["path"]] = line.get("type")
            if line.get("type") == "file":
                files, total = files + 1, total + int(line.get("size") or 0)
        return files, total, kinds

    def _stream(self, *arguments):
        process = subprocess.Popen([*self.command, *arguments], env=self.env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        errors = []
        reader = threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True)
        reader.start()
        return process, errors, reader

    def dump(self, snapshot, path, archive=None):
        """A generator of the bytes `restic dump` writes: the file at `path`, or the folder as a zip or tar."""
        arguments = ["dump", *(("--archive", archive) if archive else ()), snapshot, path]
        process, errors, reader = self._stream(*arguments)
        try:
            while chunk := process.stdout.read(CHUNK):
                yield chunk
        finally:
            _finish(process, reader, errors)

    def zip_of(self, snapshot, kinds):
        """A generator of one zip of several files and folders ({path: "file" or "dir"}): a file as restic
        dumps it, a folder from the tar stream restic dumps of it, each written into the zip as it comes
        (entries keep their path within the snapshot)."""
        sink = _Sink()
        with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for path, kind in kinds.items():
                if kind == "file":
                    process, errors, reader = self._stream("dump", snapshot, path)
                    try:
                        yield from _add_file(archive, path.lstrip("/"), process.stdout, sink)
                    finally:
                        _finish(process, reader, errors)
                    continue
                process, errors, reader = self._stream("dump", "--archive", "tar", snapshot, path)
                try:
                    with tarfile.open(fileobj=process.stdout, mode="r|") as tar:
                        for member in tar:
                            yield from _add(archive, tar, member, sink)
                finally:
                    _finish(process, reader, errors)
        yield sink.take()


class WrongPassword(ResticUnavailable):
    """The password does not open the repository."""


def _finish(process, reader, errors):
    if process.poll() is None:
        process.kill()
    process.wait()
    reader.join(5)
    if process.returncode not in (0, -9):
        text = b"".join(errors).decode("utf-8", "replace").strip()
        raise ResticUnavailable(text.splitlines()[-1][:500] if text else f"restic exited with {process.returncode}")


class _Sink:
    """A write-only stream whose bytes the zip generator hands on as they come."""

    def __init__(self):
        self.parts, self.position = [], 0

    def write(self, data):
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self):
        return self.position

    def flush(self):
        pass

    def take(self):
        data, self.parts = b"".join(self.parts), []
        return data


def _add(archive, tar, member, sink):
    name = member.name.lstrip("/")
    moment = datetime.fromtimestamp(max(member.mtime, 315532800)).timetuple()[:6]  # zip starts in 1980
    if member.isdir():
        archive.writestr(zipfile.ZipInfo(name.rstrip("/") + "/", moment), b"")
    elif member.isfile():
        yield from _add_file(archive, name, tar.extractfile(member), sink, moment, member.size)
    yield sink.take()


def _add_file(archive, name, source, sink, moment=None, size=None):
    """Copy `source` into the zip entry `name`, handing on the zip's bytes chunk by chunk."""
    info = zipfile.ZipInfo(name, moment or datetime.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    # Without a known size, take ZIP64 entries: a file restic dumps may be larger than 4 GB.
    with archive.open(info, "w", force_zip64=size is None or size > 0xFFFF0000) as target:
        while chunk := source.read(CHUNK):
            target.write(chunk)
            yield sink.take()
    yield sink.take()
