"""`flask import-events FILE`: JSON Lines and CSV in v1 field names, bad lines reported and skipped."""
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, inspect, select

from webconsole.demo.data import load_demo
from webconsole.domain import events
from webconsole.extensions import db
from webconsole.models import Device, FileEvent
from webconsole.store import bulk_load, event_files, event_import
from webconsole.store.event_import import ImportRefused, detect_format, import_file

pytestmark = pytest.mark.committed  # the bulk importer loads on a connection of its own

MD5 = "9E107D9D372BB6826BD81D3542A419D6"


def v1(n, **fields):
    return {"eventId": f"evt-{n}", "eventType": "CREATED", "eventTimestamp": "2026-11-20T10:00:00Z",
            "fileName": f"file-{n}.txt", "filePath": "/home/u/", **fields}


def write_lines(path, lines):
    """Each line a dict (written as JSON) or raw bytes; every line ends with a newline."""
    path.write_bytes(b"".join((json.dumps(line).encode() if isinstance(line, dict) else line) + b"\n"
                              for line in lines))
    return path


def stored(app):
    with app.app_context():
        return {e.event_id: e for e in db.session.scalars(select(FileEvent))}


def test_jsonl_events_are_stored_with_owners_from_username_and_hostname(app, world, make_device, tmp_path):
    shared_admin = make_device(world["admin"], "SHARED-PC")
    shared_seller = make_device(world["seller"], "SHARED-PC")
    path = write_lines(tmp_path / "events.jsonl", [
        v1(1, deviceUserName="user@acme.test", osHostName="USER-LAPTOP", md5Checksum=MD5),
        v1(2, deviceUserName="User@Acme.test", osHostName="user mac"),
        v1(3, deviceUserName="user@acme.test", osHostName="SELLER-LAPTOP"),  # someone else's, but the only one
        v1(4, deviceUserName="stranger@elsewhere.test", osHostName="seller-laptop"),
        v1(5, deviceUserName="user@acme.test", osHostName="no-such-host"),
        v1(6),
        v1(7, deviceUserName="seller@acme.test", osHostName="shared-pc"),  # two have it: the seller's own
        v1(8, deviceUserName="helpdesk@acme.test", osHostName="shared-pc"),  # two have it, neither theirs
    ])
    with app.app_context():
        result = import_file(str(path))
    assert (result.stored, result.duplicates, result.refused, result.errors) == (8, 0, 0, [])
    rows = stored(app)
    owners = {key: (e.user_id, e.org_id, e.device_id) for key, e in rows.items()}
    assert owners == {
        "evt-1": (world["user"], world["platform"], world["user_laptop"]),
        "evt-2": (world["user"], world["platform"], world["user_mac"]),
        "evt-3": (world["user"], world["platform"], world["seller_laptop"]),
        "evt-4": (None, world["sales"], world["seller_laptop"]),
        "evt-5": (world["user"], world["platform"], None),
        "evt-6": (None, None, None),
        "evt-7": (world["seller"], world["sales"], shared_seller),
        "evt-8": (world["helpdesk"], world["root"], None),
    }
    assert shared_admin not in {device for *_, device in owners.values()}
    # The event's own words are kept.
    assert (rows["evt-1"].username, rows["evt-1"].hostname) == ("user@acme.test", "USER-LAPTOP")
    assert (rows["evt-2"].username, rows["evt-2"].hostname) == ("User@Acme.test", "user mac")
    assert {e.origin for e in rows.values()} == {"import"}
    assert rows["evt-1"].md5 == MD5.lower() and rows["evt-1"].event_at == datetime(2026, 11, 20, 10, 0)


def test_a_bad_line_is_reported_by_number_and_only_it_is_lost(app, world, tmp_path):
    latin1 = b'{"eventId": "evt-4", "eventType": "CREATED", "fileName": "caf\xe9.txt"}'  # not UTF-8
    broken = json.dumps(v1(99)).encode()[:-1] + b', "fileOwner": "\xff"}'
    path = write_lines(tmp_path / "events.jsonl", [
        v1(1),
        b'{"eventId": "evt-2", "eventType": ',
        b"[1, 2]",
        latin1,
        v1(5, md5Checksum="not-a-hash"),
        b"   ",
        v1(7),
        {"eventId": "evt-8", "eventType": "CREATED", "eventTimestamp": "2026-11-20T10:00:00Z", "filePath": "/"},
        b'{"eventId": "evt-9", "eventType": "CREATED", "eventTimestamp": "2026-11-20T10:00:00Z", '
        b'"fileName": "\\ud800", "filePath": "/"}',  # a lone surrogate no database can store
        b'{"eventId": "evt-10", "eventType": "CREATED", "eventTimestamp": "2026-11-20T10:00:00Z", '
        b'"fileName": "\\ud83d\\ude00.png", "filePath": "/"}',  # a surrogate pair: an emoji
        broken,
    ])
    with app.app_context():
        result = import_file(str(path))
    assert result.errors == [
        (2, "not valid JSON (Expecting value at column 35)"),
        (3, "each event must be a JSON object"),
        (4, f"not valid UTF-8 (byte {latin1.index(0xE9) + 1})"),
        (5, "md5Checksum must be 32 hexadecimal digits"),
        (8, "fileName is required"),
        (9, "holds a \\u escape of a lone UTF-16 surrogate"),
        (11, f"not valid UTF-8 (byte {broken.index(0xFF) + 1})"),
    ]
    assert (result.stored, result.duplicates, result.refused) == (3, 0, 7)
    rows = stored(app)
    assert sorted(rows) == ["evt-1", "evt-10", "evt-7"]
    assert rows["evt-10"].file_name == "\U0001F600.png"


def test_importing_the_same_file_again_adds_nothing(app, world, tmp_path):
    path = write_lines(tmp_path / "events.ndjson", [v1(1), v1(2), v1(3), v1(2)])  # evt-2 twice
    runner = app.test_cli_runner()
    first = runner.invoke(args=["import-events", str(path)])
    assert first.exit_code == 0, first.output
    assert "Imported 3 events (1 already stored, 0 lines refused)." in first.stdout
    assert first.stderr == ""
    again = runner.invoke(args=["import-events", str(path)])
    assert again.exit_code == 0, again.output
    assert "Imported 0 events (4 already stored, 0 lines refused)." in again.stdout
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FileEvent)) == 3
        # Agents' events with the same ids are other events: the origin tells them apart.
        device = db.session.get(Device, world["user_laptop"])
        assert events.store_device_batch(device, [v1(1)], "198.51.100.7") == (1, 0)


def test_the_command_lists_the_first_100_bad_lines_on_stderr_and_exits_1(app, tmp_path):
    lines = [v1(1)] + [v1(n, fileSize=-n) for n in range(2, 132)] + [v1(132)]
    path = write_lines(tmp_path / "events.jsonl", lines)
    result = app.test_cli_runner().invoke(args=["import-events", str(path)])
    assert result.exit_code == 1
    assert "Imported 2 events (0 already stored, 130 lines refused)." in result.stdout
    errors = result.stderr.splitlines()
    assert errors[0] == f"line 2: fileSize must be a whole number from 0 to {2**63 - 1}"
    assert errors[99].startswith("line 101: ") and len(errors) == 101
    assert errors[100] == "... and 30 more lines refused"
    assert "line 102:" not in result.stderr


CSV_HEADER = ("eventId,eventType,eventTimestamp,fileName,filePath,fileSize,md5Checksum,exposure,tabUrls,"
              "mimeTypeMismatch,outsideActiveHours,riskScore,removableMediaCapacity,deviceUserName,osHostName,"
              "notAV1Field\n")


@pytest.mark.parametrize("chunk", [10_000, 2])  # one chunk, or bad rows on both sides of chunk boundaries
def test_csv_rows_become_v1_events_and_bad_rows_are_reported(app, world, tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(event_files, "CHUNK", chunk)
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CSV_HEADER.encode() + b"".join(line.encode("utf-8") + b"\r\n" for line in [
        f'c1,CREATED,2026-11-20T10:00:00Z,"report, final.docx",/home/u/,48213,{MD5},"RemovableMedia, CloudStorage",'
        '"https://a.test/x, https://b.test/y",TRUE,false,42,64000000000,user@acme.test,USER-LAPTOP,ignored',
        "c2,DELETED,1763632800000,old.txt,/home/u/,,,,,,,,,,,",
        "c3,CREATED,2026-11-20T10:00:00Z,half.txt,/home/u/,12.5,,,,,,,,,,",
        "c4,CREATED,2026-11-20T10:00:00Z,short.txt,/home/u/",
        "c6,CREATED,2026-11-20T10:00:00Z,yes.txt,/home/u/,,,,,yes,,,,,,",
        'c7,MODIFIED,2026-11-20T10:00:00Z,"two\nlines.txt",/home/u/,,,,,,,,,,,',
        "c8,CREATED,2026-11-20T10:00:00Z,x.txt,/home/u/,,, Bogus ,,,,,,,,",
        "",
        "c10,CREATED,2026-11-20T10:00:00Z,fine.txt,/home/u/,0,,,,,,,,,,",
        ",,,,,,,,,,,,,,,",  # the empty rows a spreadsheet may end with
    ]))
    # Line 6 is Latin-1 text, not UTF-8: it goes, the rest stays.
    data = path.read_bytes().split(b"\r\n")
    data.insert(4, "c5,CREATED,2026-11-20T10:00:00Z,café.txt,/home/u/,,,,,,,,,,,".encode("latin-1"))
    path.write_bytes(b"\r\n".join(data))
    with app.app_context():
        result = import_file(str(path))
    assert result.errors == [
        (4, "fileSize must be a whole number from 0 to 9223372036854775807"),
        (5, "5 columns where the header has 16"),
        (6, "not valid UTF-8 (byte 36)"),
        (7, "mimeTypeMismatch must be true or false"),
        (10, "exposure[0] must be one of " + ", ".join(events.EXPOSURES)),
    ]
    assert (result.stored, result.refused) == (4, 5)
    rows = stored(app)
    assert sorted(rows) == ["c1", "c10", "c2", "c7"]
    c1 = rows["c1"]
    assert (c1.file_name, c1.file_size, c1.md5, c1.risk_score) == ("report, final.docx", 48213, MD5.lower(), 42)
    assert c1.exposure == events.EXPOSURE_BITS["RemovableMedia"] | events.EXPOSURE_BITS["CloudStorage"]
    assert c1.tab_urls == ["https://a.test/x", "https://b.test/y"]
    assert (c1.mime_mismatch, c1.outside_active_hours) == (True, False)
    assert c1.removable_media == {"capacity": 64_000_000_000}
    assert (c1.user_id, c1.device_id, c1.hostname) == (world["user"], world["user_laptop"], "USER-LAPTOP")
    c2 = rows["c2"]
    assert c2.event_at == datetime.fromtimestamp(1763632800, UTC).replace(tzinfo=None)
    assert (c2.file_size, c2.md5, c2.exposure, c2.tab_urls, c2.user_id) == (None, "", 0, None, None)
    assert rows["c7"].file_name == "two\nlines.txt" and rows["c10"].file_size == 0


def test_a_csv_header_without_the_required_fields_refuses_the_file(app, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("fileName,filePath,eventType\nx.txt,/,CREATED\n")
    result = app.test_cli_runner().invoke(args=["import-events", str(path)])
    assert result.exit_code == 1
    assert "The CSV header lacks eventId, eventTimestamp" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FileEvent)) == 0


def test_the_format_comes_from_the_name_or_the_first_character(tmp_path):
    def file(name, data):
        (tmp_path / name).write_bytes(data)
        return str(tmp_path / name)

    assert detect_format(file("a.jsonl", b"eventId,eventType\n")) == "jsonl"
    assert detect_format(file("a.NDJSON", b"")) == "jsonl"
    assert detect_format(file("a.csv", b'{"eventId": 1}\n')) == "csv"
    assert detect_format(file("a.txt", b'\xef\xbb\xbf\n  \n {"eventId": 1}\n')) == "jsonl"
    assert detect_format(file("export", b"eventId,eventType\n")) == "csv"


def test_format_option_overrides_the_file_name(app, tmp_path):
    path = tmp_path / "really-csv.jsonl"
    path.write_text(CSV_HEADER + "o1,CREATED,2026-11-20T10:00:00Z,a.txt,/,,,,,,,,,,,\n")
    as_named = app.test_cli_runner().invoke(args=["import-events", str(path)])
    assert as_named.exit_code == 1 and "line 1: not valid JSON" in as_named.stderr
    forced = app.test_cli_runner().invoke(args=["import-events", "--format", "csv", str(path)])
    assert forced.exit_code == 0, forced.output
    assert "Imported 1 events (0 already stored, 0 lines refused)." in forced.stdout
    assert "Importing file events" in forced.output


def test_owners_are_looked_up_once_per_chunk_not_per_row(app, world, tmp_path, monkeypatch):
    monkeypatch.setattr(event_files, "CHUNK_BYTES", 600)  # three or four events
    owners = [("user@acme.test", "USER-LAPTOP"), ("seller@acme.test", "SELLER-LAPTOP")]
    path = write_lines(tmp_path / "events.jsonl", [
        v1(n, deviceUserName=owners[n % 2][0], osHostName=owners[n % 2][1]) for n in range(40)])
    statements = []  # (connection, statement or "COMMIT")
    with app.app_context():
        engine = db.engine
        listen = (lambda connection, cursor, statement, *args: statements.append((connection, statement)))  # noqa: E731
        count_commit = (lambda connection: statements.append((connection, "COMMIT")))  # noqa: E731
        sa_event.listen(engine, "before_cursor_execute", listen)
        sa_event.listen(engine, "commit", count_commit)
        try:
            result = import_file(str(path))
        finally:
            sa_event.remove(engine, "before_cursor_execute", listen)
            sa_event.remove(engine, "commit", count_commit)
        assert result.stored == 40
        assert db.session.scalar(select(func.count()).where(FileEvent.device_id == world["seller_laptop"])) == 20
    lookups = [s for _c, s in statements if "FROM users" in s or "FROM devices" in s]
    assert len(lookups) == 2, lookups  # one for users, one for devices, for all the chunks
    inserts = [(c, s) for c, s in statements if s.startswith("INSERT INTO file_events (")]
    assert len(inserts) == len(list(event_files.slices(str(path), path.stat().st_size))) >= 10
    importer = inserts[0][0]
    # Each chunk is stored (and its subscribers told) in a transaction of its own.
    mine = [s[:6] for c, s in statements if c is importer and s.startswith(("INSERT INTO file_events (", "COMMIT"))]
    assert mine[:2 * len(inserts)] == ["INSERT", "COMMIT"] * len(inserts)


def test_progress_is_told_of_every_byte(app, tmp_path):
    path = write_lines(tmp_path / "events.jsonl", [v1(n) for n in range(50)] + [b"oops"])
    told = []
    with app.app_context():
        import_file(str(path), progress=told.append)
    assert sum(told) == path.stat().st_size


def test_an_unknown_format_is_refused(app, tmp_path):
    path = write_lines(tmp_path / "events.jsonl", [v1(1)])
    with app.app_context(), pytest.raises(ImportRefused):
        import_file(str(path), fmt="xml")


def test_store_takes_owners_from_the_rows_when_nothing_is_common(app, world):
    with app.app_context():
        row = {**events.parse_event(v1(1)), "user_id": world["seller"], "org_id": world["sales"],
               "device_id": world["seller_laptop"]}
        assert events.store([row, events.parse_event(v1(2))], "test", None) == (2, 0)
        rows = {e.event_id: (e.user_id, e.org_id, e.device_id) for e in db.session.scalars(select(FileEvent))}
    assert rows == {"evt-1": (world["seller"], world["sales"], world["seller_laptop"]), "evt-2": (None, None, None)}


def index_names(app):
    with app.app_context():
        return {index["name"] for index in inspect(db.engine).get_indexes("file_events")}


def sqlite_only(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("indexes are dropped and built again on SQLite only")


def many_events(tmp_path, count, bad=()):
    """A JSON Lines file of `count` good events, owned by the world's user, with raw bad lines at the given
    line numbers; the lines of the file as written."""
    lines = [v1(n, deviceUserName="user@acme.test", osHostName="USER-LAPTOP", sha256Checksum=f"{n:064x}")
             for n in range(count)]
    for number, line in sorted(bad):
        lines.insert(number - 1, line)
    return write_lines(tmp_path / "events.jsonl", lines), lines


def test_worker_processes_report_bad_lines_by_their_number_in_the_file(app, world, tmp_path, monkeypatch):
    monkeypatch.setattr(event_files, "PIPELINE_BYTES", 0)  # parse in worker processes, however small
    monkeypatch.setattr(event_files, "CHUNK_BYTES", 2000)  # about ten events a chunk
    bad = [(1, b"\xef\xbb\xbf"), (2, b"{not json"), (37, b""), (38, b"caf\xe9"),
           (90, json.dumps(v1(900, fileSize=-1)).encode()), (151, b"[]")]
    path, lines = many_events(tmp_path, 150, bad)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # the last line ends the file without a line break
    told = []
    with app.app_context():
        result = import_file(str(path), progress=told.append)
    assert result.errors == [
        (2, "not valid JSON (Expecting property name enclosed in double quotes at column 2)"),
        (38, "not valid UTF-8 (byte 4)"),
        (90, f"fileSize must be a whole number from 0 to {2**63 - 1}"),
        (151, "each event must be a JSON object"),
    ]
    assert (result.stored, result.duplicates, result.refused) == (150, 0, 4)
    assert sum(told) == path.stat().st_size and len(told) > 10
    with app.app_context():
        # In the file's order, with their owners.
        ids = db.session.execute(select(FileEvent.event_id, FileEvent.user_id).order_by(FileEvent.id)).all()
    assert ids == [(f"evt-{n}", world["user"]) for n in range(150)]


def test_a_large_import_builds_its_indexes_again_and_stays_idempotent(app, world, tmp_path, monkeypatch):
    monkeypatch.setattr(event_files, "PIPELINE_BYTES", 0)
    monkeypatch.setattr(event_files, "CHUNK_BYTES", 4000)
    monkeypatch.setattr(bulk_load, "DEFER_INDEXES_FROM", 0)  # any file counts as large
    path, _lines = many_events(tmp_path, 200)
    every_index = index_names(app)
    seen = []

    def meanwhile(_size):
        # An agent uploads while the import runs: its batch is stored once, whatever the indexes.
        seen.append(index_names(app))
        if len(seen) == 3:
            with app.app_context():
                device = db.session.get(Device, world["user_laptop"])
                batch = [v1(1, sha256Checksum="ab" * 32), v1(2)]
                assert events.store_device_batch(device, batch, "198.51.100.7") == (2, 0)
                assert events.store_device_batch(device, batch, "198.51.100.7") == (0, 2)

    with app.app_context():
        first = import_file(str(path), progress=meanwhile)
    assert (first.stored, first.duplicates, first.refused) == (200, 0, 0)
    assert index_names(app) == every_index
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert "ix_file_events_sha256" not in seen[2] and "uq_file_events_origin_event_id" in seen[2]
            # The file-name search index reaches every event, as after bulk inserts.
            reach = db.session.scalar(db.text("SELECT indexed_to FROM file_events_fts_state"))
            assert reach == db.session.scalar(select(func.max(FileEvent.id)))
        again = import_file(str(path), progress=meanwhile)
        assert (again.stored, again.duplicates) == (0, 200)
        assert db.session.scalar(select(func.count()).select_from(FileEvent)) == 202
        # The rebuilt index finds the agent's event and an imported one.
        found = db.session.scalars(select(FileEvent.origin).where(FileEvent.sha256.in_(["ab" * 32, f"{7:064x}"])))
        assert sorted(found) == [f"d{world['user_laptop']}", "import"]
    assert index_names(app) == every_index


def test_an_import_that_fails_midway_builds_the_indexes_again(app, world, tmp_path, monkeypatch):
    sqlite_only(app)
    monkeypatch.setattr(event_files, "CHUNK_BYTES", 4000)
    monkeypatch.setattr(bulk_load, "DEFER_INDEXES_FROM", 0)
    path, _lines = many_events(tmp_path, 200)
    every_index = index_names(app)
    store = event_import._Loader._insert_sqlite

    def failing(loader, chunk):
        if loader.deferred and loader.result.stored > 50:
            raise OSError("disk full")
        return store(loader, chunk)

    monkeypatch.setattr(event_import._Loader, "_insert_sqlite", failing)
    with app.app_context(), pytest.raises(OSError):
        import_file(str(path))
    assert index_names(app) == every_index


def test_indexes_an_interrupted_import_left_dropped_are_built_by_the_next(app, world, tmp_path):
    sqlite_only(app)
    every_index = index_names(app)
    with app.app_context():
        db.session.execute(db.text("DROP INDEX ix_file_events_sha256"))
        db.session.commit()
    with app.app_context():
        import_file(str(write_lines(tmp_path / "events.jsonl", [v1(1)])))
    assert index_names(app) == every_index


def test_the_demo_loads_its_events_without_the_deferrable_indexes_and_builds_them_again(app, monkeypatch):
    sqlite_only(app)
    monkeypatch.setattr(bulk_load, "DEFER_INDEXES_FROM", 0)
    every_index, seen = index_names(app), []
    with app.app_context():
        load_demo("demo-password", users=20, devices=30, events=300, progress=lambda n: seen.append(index_names(app)))
        assert db.session.scalar(select(func.count()).select_from(FileEvent)) == 300
    assert "ix_file_events_device_id_event_at" not in seen[-1] and "ix_file_events_event_at_id" in seen[-1]
    assert index_names(app) == every_index
