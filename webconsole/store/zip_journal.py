"""A zip written as a stream and kept resumable, for packages too large for memory (legal-hold collections).

The file is appended to only (no seek, so entries stream with data descriptors). What grows with the
number of entries (their directory records, the caller's manifest) goes to journals of JSON lines beside
the zip instead of memory, and the central directory is written from the journal at the end. A journal is
cut back to a checkpoint's length when a stopped run is taken up again.
"""
import json
import os
import zipfile

ZIPINFO_FIELDS = ("filename", "date_time", "compress_type", "comment", "extra", "create_system", "create_version",
            "extract_version", "reserved", "flag_bits", "volume", "internal_attr", "external_attr", "header_offset",
            "CRC", "compress_size", "file_size")



class AppendOnly:
    """The package file as zipfile writes it: appended to only (no seek, so entries stream with data
    descriptors), its position counted from the file's start."""

    def __init__(self, stream, position):
        self.stream, self.position = stream, position

    def write(self, data):
        self.stream.write(data)
        self.position += len(data)
        return len(data)

    def tell(self):
        return self.position

    def flush(self):
        self.stream.flush()


class Journal:
    """Lines of JSON appended to a file beside the package (its zip directory, its manifest), so that what
    grows with the number of files lives on disk, not in memory; cut back to a checkpoint's length."""

    def __init__(self, path, length):
        self.path = path
        mode = "r+b" if length and os.path.exists(path) else "wb"
        self.file = open(path, mode)  # noqa: SIM115 - closed by close()
        self.file.truncate(length if mode == "r+b" else 0)
        self.file.seek(0, os.SEEK_END)
        self.count = sum(1 for _ in self.lines()) if mode == "r+b" else 0

    def append(self, value):
        self.file.write(json.dumps(value, ensure_ascii=False).encode("utf-8") + b"\n")
        self.count += 1

    def length(self):
        self.file.flush()
        os.fsync(self.file.fileno())
        return self.file.tell()

    def lines(self):
        """Every value appended so far, read back from the file one at a time."""
        self.file.flush()
        with open(self.path, "rb") as stream:
            for line in stream:
                yield json.loads(line)

    def close(self):
        self.file.close()


class Directory:
    """Stands for ZipFile.filelist: zipfile appends each finished entry here and reads them all back once,
    to write the central directory when the package closes."""

    def __init__(self, journal):
        self.journal = journal

    def append(self, info):
        self.journal.append(info_fields(info))

    def __iter__(self):
        return (info_from(fields) for fields in self.journal.lines())

    def __len__(self):
        return self.journal.count


def info_fields(info):
    values = {k: getattr(info, k) for k in ZIPINFO_FIELDS}
    values["extra"] = info.extra.hex()
    values["comment"] = info.comment.hex()
    values["date_time"] = list(info.date_time)
    return values


def info_from(fields):
    info = zipfile.ZipInfo(fields["filename"], tuple(fields["date_time"]))
    for key in ZIPINFO_FIELDS:
        if key not in ("filename", "date_time"):
            setattr(info, key, fields[key])
    info.extra, info.comment = bytes.fromhex(fields["extra"]), bytes.fromhex(fields["comment"])
    return info
