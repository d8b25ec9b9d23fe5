"""A resumable zip package: entries streamed in and hashed on the way, with a manifest of every entry.

The package a legal-hold collection builds (webconsole.jobs.collections). Its directory records and
manifest go to journals beside the zip (store/zip_journal.py), so memory stays bounded whatever the
package holds. `checkpoint()` says how far it has got (the zip's length and the journals' lengths, plus
the caller's counts); a Package opened with that checkpoint cuts the files back to it and goes on.
"""
import hashlib
import io
import os
import zipfile

from webconsole.models.base import utcnow
from webconsole.store.zip_journal import AppendOnly, Directory, Journal

CHUNK = 1 << 20


class Package:
    """The zip being built, with the manifest of what it holds so far; resumable from a checkpoint."""

    def __init__(self, path, checkpoint):
        state = checkpoint or {}
        self.path, self.offset = path, int(state.get("offset", 0))
        self.counts = dict(state.get("counts", {"events": 0, "files": 0}))
        self.not_collected = list(state.get("not_collected", []))
        self.parts_done = int(state.get("parts_done", 0))
        self.items = int(state.get("items", 0))  # events written (in each of their two files) and files copied
        self.on_item = None  # called with the count so far, to report progress now and then
        self.plan = state.get("plan")
        resuming = bool(self.offset) and os.path.exists(path)
        if not resuming:
            self.offset, self.parts_done, self.items = 0, 0, 0
            self.counts, self.not_collected = {"events": 0, "files": 0}, []
        self.entries = Journal(path + ".directory", int(state.get("directory", 0)) if resuming else 0)
        self.manifest = Journal(path + ".manifest", int(state.get("manifest", 0)) if resuming else 0)
        self.file = open(path, "r+b" if resuming else "wb")  # noqa: SIM115 - closed by close()
        self.file.truncate(self.offset)
        self.file.seek(self.offset)
        self.zip = zipfile.ZipFile(AppendOnly(self.file, self.offset), "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.zip.filelist = Directory(self.entries)

    def checkpoint(self):
        self.zip.fp.flush()
        self.file.flush()
        os.fsync(self.file.fileno())
        return {"offset": self.zip.fp.tell(), "directory": self.entries.length(), "manifest": self.manifest.length(),
                "counts": self.counts, "not_collected": self.not_collected,
                "parts_done": self.parts_done, "items": self.items, "plan": self.plan}

    def _entry(self, name, moment, level=None):
        info = zipfile.ZipInfo(name.replace("\\", "/").lstrip("/"), moment or utcnow().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        if level is not None:
            info._compresslevel = level
        return info

    def _done(self, info, length, digest):
        self.zip.NameToInfo.clear()  # zipfile keeps every entry by name too: its directory is on disk
        self.manifest.append({"path": info.filename, "size": length, "sha256": digest})

    def add_bytes(self, name, data, moment=None):
        return self.add_stream(name, io.BytesIO(data), moment)

    def add_stream(self, name, source, moment=None, size=None, level=None):
        """Copy `source` into a new entry, hashing it on the way; the entry's name."""
        info = self._entry(name, moment, level)
        digest, length = hashlib.sha256(), 0
        with self.zip.open(info, "w", force_zip64=size is None or size > 0xFFFF0000) as target:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                target.write(chunk)
                length += len(chunk)
        self._done(info, length, digest.hexdigest())
        return info.filename

    def advance(self, n=1):
        self.items += n
        if self.on_item is not None:
            self.on_item(self.items)

    def writer(self, name):
        """An open text entry to write into (hashing what is written); close() records it."""
        return Entry(self, self._entry(name, None))

    def close(self, finished):
        """Close the package (its central directory written); once `finished`, its journals go too. A run
        that stops midway keeps them: the next one cuts them back to the last checkpoint."""
        self.zip.close()
        self.file.close()
        self.entries.close()
        self.manifest.close()
        if finished:
            for journal in (self.entries, self.manifest):
                os.unlink(journal.path)


class Entry:
    """One text entry of a Package being written; close() records its size and SHA-256 in the manifest."""

    def __init__(self, package, info):
        self.package, self.info = package, info
        self.target = package.zip.open(info, "w", force_zip64=True)
        self.digest, self.length = hashlib.sha256(), 0

    def write(self, text):
        data = text.encode("utf-8")
        self.digest.update(data)
        self.length += len(data)
        self.target.write(data)
        return len(text)

    def close(self):
        self.target.close()
        self.package._done(self.info, self.length, self.digest.hexdigest())
