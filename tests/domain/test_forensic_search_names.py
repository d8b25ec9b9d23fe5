"""Forensic Search by file name: contains, starts with and is, through the file-name index or past it."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text

from webconsole.domain import events, forensics
from webconsole.extensions import db
from webconsole.models import FileEvent, User
from webconsole.models.base import utcnow
from webconsole.store import name_search
from webconsole.web.lists import ListParams

NAMES = ["Plans.docx", "q3-forecast.xlsx", "100% done.txt", "1000 done.txt", "a_b.txt", "axb.txt",
         "Öresund-ÜBERNAHME.pdf", "öresund-übernahme (2).pdf", "日本語.txt", "ΣΊΣΥΦΟΣ.txt", "Ärger*[1].txt",
         "ärger-1.txt"]


def v1(name, minutes_ago=60):
    moment = utcnow() - timedelta(minutes=minutes_ago)
    return {"eventId": str(uuid.uuid4()), "eventType": "CREATED", "fileName": name, "filePath": "/home/u/",
            "eventTimestamp": moment.isoformat(timespec="milliseconds") + "Z"}


def store(names):
    return events.store([events.parse_event(v1(name, n + 1)) for n, name in enumerate(names)], "test")


@pytest.fixture(params=["indexed", "not indexed yet", "walked"])
def analyst(request, app, make_org, make_user, monkeypatch):
    """An investigator in an app context with NAMES stored: in the file-name index, past its reach
    (read directly), or indexed with every text counting as common, so that searches walk the
    date index (LIKE or GLOB) instead of reading the index's hits."""
    if request.param == "walked":
        monkeypatch.setattr(name_search, "BY_ID", 0)
    user_id = make_user("analyst@acme.test", "insider_risk_analyst", make_org("Acme"))
    with app.app_context():
        store(NAMES)
        if request.param != "not indexed yet":
            name_search.index_new_events()
            db.session.commit()
        yield db.session.get(User, user_id)


def found(actor, operator="contains", value="", q=""):
    filters = {"range": "P30D", **({"f1": "fileName", "o1": operator, "v1": value} if value else {})}
    stmt = forensics.search(actor, ListParams("event_at", "desc", q=q, filters=filters))
    return sorted(row.file_name for row in db.session.execute(stmt))


@pytest.mark.parametrize("value, names", [
    ("plans", ["Plans.docx"]),
    ("PLANS.DOCX", ["Plans.docx"]),
    ("Q", ["q3-forecast.xlsx"]),  # one and two characters: shorter than a trigram, never from the index
    ("pL", ["Plans.docx"]),
    ("%", ["100% done.txt"]),  # LIKE wildcards are plain characters
    ("0%", ["100% done.txt"]),
    ("0% done", ["100% done.txt"]),
    ("_", ["a_b.txt"]),
    ("a_b", ["a_b.txt"]),
    ("ö", ["Öresund-ÜBERNAHME.pdf", "öresund-übernahme (2).pdf"]),  # non-ASCII letters in any case
    ("ÖRESUND-ÜBER", ["Öresund-ÜBERNAHME.pdf", "öresund-übernahme (2).pdf"]),
    ("übernahme", ["Öresund-ÜBERNAHME.pdf", "öresund-übernahme (2).pdf"]),
    ("日本", ["日本語.txt"]),
    ("日本語", ["日本語.txt"]),
    ("σίσυφ", ["ΣΊΣΥΦΟΣ.txt"]),
    ("ärger*[1]", ["Ärger*[1].txt"]),  # GLOB's wildcards too
    ('"docx', []),  # FTS5 query syntax is plain text too
    ("x\x00yz", []),
    ("nothing like this", []),
])
def test_file_name_contains_any_part_in_any_case(analyst, value, names):
    assert found(analyst, "contains", value) == names


def test_file_name_starts_with_and_is(analyst):
    assert found(analyst, "starts_with", "plans") == ["Plans.docx"]
    assert found(analyst, "starts_with", "ÄRGER") == ["Ärger*[1].txt", "ärger-1.txt"]
    assert found(analyst, "starts_with", "lans") == []
    assert found(analyst, "is", "Plans.docx") == ["Plans.docx"]
    assert found(analyst, "is", "Plans") == []


def test_the_quick_filter_searches_file_names_the_same_way(analyst):
    assert found(analyst, q="FORECAST") == ["q3-forecast.xlsx"]
    assert found(analyst, q="übernahme") == ["Öresund-ÜBERNAHME.pdf", "öresund-übernahme (2).pdf"]


def test_events_stored_without_a_bulk_insert_are_found_before_and_after_they_are_indexed(analyst):
    db.session.add(FileEvent(origin="test", event_id="orm-1", event_type="CREATED", event_at=utcnow(),
                             file_name="Stored one by one.txt", file_path="/"))
    db.session.commit()
    assert found(analyst, "contains", "one by one") == ["Stored one by one.txt"]
    name_search.index_new_events()
    db.session.commit()
    assert found(analyst, "contains", "ONE BY ONE") == ["Stored one by one.txt"]


def test_deleted_events_leave_the_index_and_new_ones_join_it(analyst):
    db.session.execute(delete(FileEvent).where(FileEvent.file_name.in_(["Plans.docx", "q3-forecast.xlsx"])))
    db.session.execute(delete(FileEvent).where(FileEvent.id == db.session.scalar(select(func.max(FileEvent.id)))))
    db.session.commit()
    store(["plans-v2.docx"])  # on SQLite it takes the deleted newest event's id
    name_search.index_new_events()
    db.session.commit()
    assert found(analyst, "contains", "plans") == ["plans-v2.docx"]
    assert found(analyst, "contains", "forecast") == []
    if db.engine.dialect.name == "sqlite":
        top = db.session.scalar(select(func.max(FileEvent.id)))
        assert db.session.scalar(text("SELECT indexed_to FROM file_events_fts_state")) == top
        db.session.execute(text("INSERT INTO file_events_fts (file_events_fts) VALUES ('integrity-check')"))


def test_stored_batches_are_found_at_once_and_indexed_by_the_catch_up_in_steps(app, monkeypatch):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL keeps its trigram indexes itself")
        reach = text("SELECT indexed_to FROM file_events_fts_state")
        store(["first.txt", "second.txt"])
        assert db.session.scalar(reach) == 0  # the acknowledged batch did not wait for the index
        assert found_anywhere("first") == ["first.txt"]  # read directly meanwhile
        store([f"more-{n}.txt" for n in range(5)])
        steps = []
        original = name_search.index_new_events
        monkeypatch.setattr(name_search, "index_new_events", lambda limit=None: steps.append(limit) or original(limit))
        assert name_search.catch_up(step=3) == 7
        assert steps == [3, 3, 1]  # each step its own transaction, so writers wait for one at most
        assert db.session.scalar(reach) == db.session.scalar(select(func.max(FileEvent.id)))
        assert found_anywhere("more-4") == ["more-4.txt"]
        assert name_search.catch_up(step=3) == 0
        db.session.execute(text("INSERT INTO file_events_fts (file_events_fts) VALUES ('integrity-check')"))


def found_anywhere(value):
    condition = name_search.file_name_condition("contains", value)
    return sorted(db.session.scalars(select(FileEvent.file_name).where(condition)))


PATHS = {"a.txt": "C:/Users/giulia.kobayashi/Dropbox/Finance/", "b.txt": "C:/Users/giulia.kobayashi/Desktop/",
         "c.txt": "/Users/lars/Documents/Projects/", "d.txt": "/Users/lars/Documents/Projects/",
         "e.txt": "/media/KINGSTON/100%/", "f.txt": "/home/Åsa/Översikt/"}


@pytest.fixture(params=["indexed", "not indexed yet", "walked"])
def path_analyst(request, app, make_org, make_user, monkeypatch):
    """An investigator with events in PATHS: indexed, past the index's reach, or found by walking."""
    if request.param == "walked":
        monkeypatch.setattr(name_search, "BY_ID", 0)
    user_id = make_user("analyst@acme.test", "insider_risk_analyst", make_org("Acme"))
    with app.app_context():
        events.store([events.parse_event({**v1(name, n + 1), "filePath": path})
                      for n, (name, path) in enumerate(PATHS.items())], "test")
        if request.param != "not indexed yet":
            name_search.index_new_events()
            db.session.commit()
        yield db.session.get(User, user_id)


def found_by_path(actor, operator, value):
    filters = {"range": "P30D", "f1": "filePath", "o1": operator, "v1": value}
    return sorted(row.file_name for row in db.session.execute(
        forensics.search(actor, ListParams("event_at", "desc", filters=filters))))


@pytest.mark.parametrize("operator, value, names", [
    ("contains", "kobayashi", ["a.txt", "b.txt"]),
    ("contains", "DROPBOX/fin", ["a.txt"]),
    ("contains", "documents/projects", ["c.txt", "d.txt"]),  # one path, two events
    ("contains", "100%", ["e.txt"]),
    ("contains", "0%/", ["e.txt"]),
    ("contains", "åsa/ö", ["f.txt"]),
    ("contains", "ÖVERSIKT", ["f.txt"]),
    ("contains", "nowhere at all", []),
    ("contains", "Us", ["a.txt", "b.txt", "c.txt", "d.txt"]),  # shorter than a trigram
    ("starts_with", "c:/users/", ["a.txt", "b.txt"]),
    ("starts_with", "Users/", []),
    ("is", "/Users/lars/Documents/Projects/", ["c.txt", "d.txt"]),
    ("is", "/users/lars/documents/projects/", []),
])
def test_file_path_filters_find_every_event_on_a_matching_path(path_analyst, operator, value, names):
    assert found_by_path(path_analyst, operator, value) == names


def test_paths_join_their_index_once_and_stay_found(path_analyst):
    store_path = "/Users/new/Inbox/"
    events.store([events.parse_event({**v1("g.txt"), "filePath": store_path})], "test")
    assert found_by_path(path_analyst, "contains", "new/inbox") == ["g.txt"]
    name_search.index_new_events()
    db.session.commit()
    assert found_by_path(path_analyst, "contains", "new/inbox") == ["g.txt"]
    if db.engine.dialect.name == "sqlite":
        if name_search.BY_ID:
            assert name_search._ids_on_paths("new/inbox", anchored=False) is not None  # read by id, not walked
        # Every path of an event is among the distinct paths (which keep the paths of deleted events too).
        kept = set(db.session.scalars(text("SELECT path FROM file_event_paths")))
        assert set(db.session.scalars(select(FileEvent.file_path))) <= kept
        db.session.execute(text("INSERT INTO file_event_paths_fts (file_event_paths_fts) VALUES ('integrity-check')"))
