"""Change detection: baseline, created/modified/deleted, exclusions, and the outbox written with the index."""
import hashlib
import logging
import os
import re
import uuid

import pytest

from webconsole_agent import scanner
from webconsole_agent.exposure import Classifier
from webconsole_agent.settings import BackupSet


def backup_set(*included, excluded=(), destinations=()):
    return BackupSet("Default", tuple(str(p) for p in included), tuple(str(p) for p in excluded), destinations)


def scan(state, sets, patterns=(), **kwargs):
    return scanner.scan(state, sets, [re.compile(p) for p in patterns], Classifier(mounts=[]), **kwargs)


def events(state):
    return [q.event for q in state.pending(1000)]


def by_name(state):
    return {e["fileName"]: e for e in events(state)}


@pytest.fixture
def tree(home):
    (home / "docs").mkdir()
    (home / "docs" / "a.txt").write_bytes(b"alpha")
    (home / "b.pdf").write_bytes(b"bravo")
    return home


def test_first_scan_builds_the_baseline_without_events(state, tree):
    result = scan(state, [backup_set(tree)])
    assert (result.scanned, result.created, result.queued) == (2, 0, 0)
    assert state.queued_count() == 0
    index = state.index()
    assert set(index) == {str(tree / "docs" / "a.txt"), str(tree / "b.pdf")}
    assert index[str(tree / "b.pdf")].sha256 == hashlib.sha256(b"bravo").hexdigest()
    assert index[str(tree / "b.pdf")].md5 == hashlib.md5(b"bravo").hexdigest()


def test_created_modified_and_deleted_are_queued_with_hashes(state, tree):
    scan(state, [backup_set(tree)])
    (tree / "docs" / "new.xlsx").write_bytes(b"charlie")
    (tree / "b.pdf").write_bytes(b"bravo, longer")
    (tree / "docs" / "a.txt").unlink()
    result = scan(state, [backup_set(tree)])
    assert (result.created, result.modified, result.deleted, result.queued) == (1, 1, 1, 3)
    found = by_name(state)
    created, modified, deleted = found["new.xlsx"], found["b.pdf"], found["a.txt"]
    assert created["eventType"] == "CREATED"
    assert created["filePath"] == str(tree / "docs") + os.sep
    assert created["fileSize"] == 7
    assert created["md5Checksum"] == hashlib.md5(b"charlie").hexdigest()
    assert created["sha256Checksum"] == hashlib.sha256(b"charlie").hexdigest()
    assert created["fileCategory"] == "Spreadsheet"
    assert created["eventTimestamp"].endswith("Z")
    assert modified["eventType"] == "MODIFIED"
    assert modified["sha256Checksum"] == hashlib.sha256(b"bravo, longer").hexdigest()
    assert modified["fileCategory"] == "Pdf"
    assert deleted["eventType"] == "DELETED"
    assert "md5Checksum" not in deleted and "sha256Checksum" not in deleted
    ids = [e["eventId"] for e in found.values()]
    assert len(set(ids)) == 3 and all(str(uuid.UUID(i)) == i and uuid.UUID(i).version == 7 for i in ids)
    assert scan(state, [backup_set(tree)]).queued == 3  # nothing new the next time


def test_same_size_new_content_is_modified(state, tree):
    scan(state, [backup_set(tree)])
    path = tree / "b.pdf"
    path.write_bytes(b"BRAVO")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    assert scan(state, [backup_set(tree)]).modified == 1
    assert by_name(state)["b.pdf"]["md5Checksum"] == hashlib.md5(b"BRAVO").hexdigest()


def test_touch_without_new_content_updates_the_index_silently(state, tree):
    scan(state, [backup_set(tree)])
    path = tree / "b.pdf"
    later = path.stat().st_mtime_ns + 5_000_000_000
    os.utime(path, ns=(later, later))
    result = scan(state, [backup_set(tree)])
    assert (result.modified, state.queued_count()) == (0, 0)
    assert state.index()[str(path)].mtime_ns == later


def test_excluded_paths_and_regex_exclusions_are_skipped(state, tree):
    (tree / "cache").mkdir()
    (tree / "cache" / "c.txt").write_bytes(b"cached")
    (tree / "cachet.txt").write_bytes(b"a sibling sharing the prefix")
    (tree / "docs" / "draft.tmp").write_bytes(b"tmp")
    sets = [backup_set(tree, excluded=[tree / "cache"])]
    scan(state, sets, [r".*\.tmp"])
    assert set(state.index()) == {str(tree / "docs" / "a.txt"), str(tree / "b.pdf"), str(tree / "cachet.txt")}
    (tree / "cache" / "d.txt").write_bytes(b"more")
    (tree / "docs" / "other.tmp").write_bytes(b"more")
    assert scan(state, sets, [r".*\.tmp"]).created == 0
    assert state.queued_count() == 0


def test_exclusions_match_the_whole_path(state, tree):
    (tree / "docs" / "keep.tmp.txt").write_bytes(b"kept: .tmp is not at the end")
    scan(state, [backup_set(tree)], [r".*\.tmp", r"a\.txt", r"docs"])
    assert {os.path.basename(p) for p in state.index()} == {"a.txt", "b.pdf", "keep.tmp.txt"}
    scan(state, [backup_set(tree)], [r".*/docs"])
    assert {os.path.basename(p) for p in state.index()} == {"b.pdf"}


def test_invalid_exclusion_is_ignored_with_a_warning(caplog):
    from webconsole_agent import settings
    merged = settings.effective({"backup": {"filename_exclusions": {"value": ["(", r".*\.tmp$"], "locked": True}}},
                                {})
    with caplog.at_level(logging.WARNING):
        patterns = settings.exclusion_patterns(merged)
    assert [p.pattern for p in patterns] == [r".*\.tmp$"]
    assert "invalid file name exclusion" in caplog.text


def test_tilde_in_included_paths_is_expanded(state, tree, monkeypatch):
    monkeypatch.setenv("HOME", str(tree))
    scan(state, [BackupSet("Home", ("~/docs",), (), ())])
    assert set(state.index()) == {str(tree / "docs" / "a.txt")}


def test_symlinks_are_not_followed(state, tree, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"x")
    (tree / "link").symlink_to(outside, target_is_directory=True)
    (tree / "filelink").symlink_to(outside / "secret.txt")
    scan(state, [backup_set(tree)])
    assert {os.path.basename(p) for p in state.index()} == {"a.txt", "b.pdf"}


def test_included_path_may_itself_be_a_link(state, tree, tmp_path):
    (tmp_path / "linked-home").symlink_to(tree, target_is_directory=True)
    scan(state, [backup_set(tmp_path / "linked-home")])
    assert str(tmp_path / "linked-home" / "b.pdf") in state.index()


def test_newly_added_folder_is_baselined_but_known_folders_report(state, tree, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "old.txt").write_bytes(b"old")
    scan(state, [backup_set(tree)])
    (tree / "fresh.txt").write_bytes(b"fresh")
    result = scan(state, [backup_set(tree, other)])
    assert result.created == 1 and list(by_name(state)) == ["fresh.txt"]
    (other / "new.txt").write_bytes(b"new")
    assert scan(state, [backup_set(tree, other)]).created == 1


def test_file_leaving_the_backup_sets_is_forgotten_quietly(state, tree):
    scan(state, [backup_set(tree)])
    scan(state, [backup_set(tree, excluded=[tree / "docs"])])
    assert state.queued_count() == 0
    assert str(tree / "docs" / "a.txt") not in state.index()


def test_state_folder_is_never_scanned(state, tree):
    inside = tree / "agent-state"
    inside.mkdir()
    (inside / "state.sqlite3").write_bytes(b"x")
    scan(state, [backup_set(tree)], always_excluded=[str(inside)])
    assert not any("agent-state" in p for p in state.index())


def test_vanishing_file_during_the_scan_is_tolerated(state, tree, monkeypatch):
    scan(state, [backup_set(tree)])
    (tree / "gone.txt").write_bytes(b"here a moment")
    real = scanner.hash_file

    def vanish(path, stop=None):
        if path.endswith("gone.txt"):
            os.unlink(path)
            raise FileNotFoundError(path)
        return real(path, stop)

    monkeypatch.setattr(scanner, "hash_file", vanish)
    result = scan(state, [backup_set(tree)])
    assert result.complete and state.queued_count() == 0


def test_events_and_index_are_committed_together(state, tree, monkeypatch):
    """A failure while queueing rolls back the index too: the change is found again, and queued once."""
    scan(state, [backup_set(tree)])
    (tree / "new.txt").write_bytes(b"new")
    real = type(state).queue_event

    def crash(self, event):
        raise OSError("disk full")

    monkeypatch.setattr(type(state), "queue_event", crash)
    with pytest.raises(OSError):
        scan(state, [backup_set(tree)])
    assert str(tree / "new.txt") not in state.index() and state.queued_count() == 0
    monkeypatch.setattr(type(state), "queue_event", real)
    assert scan(state, [backup_set(tree)]).created == 1
    assert scan(state, [backup_set(tree)]).created == 0
    assert [e["fileName"] for e in events(state)] == ["new.txt"]


def test_events_carry_exposure_and_totals_per_destination(state, tree):
    (tree / "Dropbox").mkdir()
    sets = [backup_set(tree, destinations=[3]), backup_set(tree / "docs", destinations=[3, 4])]
    scan(state, sets)
    (tree / "Dropbox" / "shared.docx").write_bytes(b"shared")
    result = scan(state, sets)
    event = by_name(state)["shared.docx"]
    assert event["exposure"] == ["CloudStorage"] and event["syncDestination"] == "Dropbox"
    assert result.destinations == {"3": [3, 5 + 5 + 6], "4": [1, 5]}


def test_stop_ends_the_scan_early_without_deletions(state, tree):
    scan(state, [backup_set(tree)])
    (tree / "b.pdf").unlink()

    class Stopped:
        def is_set(self):
            return True

    result = scan(state, [backup_set(tree)], stop=Stopped())
    assert not result.complete and state.queued_count() == 0


def test_file_category():
    assert scanner.file_category("Q3.XLSX") == "Spreadsheet"
    assert scanner.file_category("movie.mkv") == "Video"
    assert scanner.file_category("disk.vmdk") == "VirtualDiskImage"
    assert scanner.file_category(".bashrc") is None
    assert scanner.file_category("README") is None
