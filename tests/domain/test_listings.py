"""Listings: paged, counted and filtered without a request, as any door (the command line, an API) does."""
import pytest

from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import PageKey, catalog
from webconsole.extensions import db
from webconsole.models import Device, User


@pytest.fixture
def fleet(world, make_device):
    """The world with 12 more devices, some sharing a name, for paging in every order."""
    for n in range(12):
        make_device(world["user"] if n % 2 else world["seller"], f"dev-{n % 3}")
    return world


def names(rows):
    return [row.name for row in rows]


def test_pages_resume_where_the_last_one_ended_without_a_request(app, fleet):
    with app.app_context():  # no request context: nothing reads the signed-in user or the URL
        admin = db.session.get(User, fleet["admin"])
        params = catalog.DEVICES.params(sort="last_connected", dir="desc")
        whole = catalog.DEVICES.page(admin, params, limit=100)
        walked, after = [], None
        while True:
            page = catalog.DEVICES.page(admin, params, limit=4, after=after)
            walked += page.rows
            if page.next is None:
                break
            assert isinstance(page.next, PageKey) and page.next.id == page.rows[-1].id
            after = page.next
        assert [r.id for r in walked] == [r.id for r in whole.rows] and len(walked) == 15
        assert [r.id for rows in catalog.DEVICES.pages(admin, params, batch=4) for r in rows] == [r.id for r in walked]


def test_the_scope_and_the_search_are_the_listings_own(app, fleet):
    with app.app_context():
        orgadmin = db.session.get(User, fleet["orgadmin"])
        found = catalog.DEVICES.page(orgadmin, catalog.DEVICES.params(q="user@acme"), limit=50)
        assert sorted(names(found.rows)) == sorted(["USER-LAPTOP", "User Mac"] + ["dev-1", "dev-0", "dev-2"] * 2)
        assert catalog.DEVICES.count(orgadmin, catalog.DEVICES.params(q="seller")) == (0, True)


def test_a_device_search_finds_by_its_names_its_owner_and_its_guid(app, fleet):
    # A rare term is answered from the trigram indexes' ids on SQLite, an OR of LIKEs on PostgreSQL: same rows.
    with app.app_context():
        admin = db.session.get(User, fleet["admin"])
        laptop = db.session.get(Device, fleet["user_laptop"])

        def found(q, sort="name"):
            return sorted(names(catalog.DEVICES.page(admin, catalog.DEVICES.params(q=q, sort=sort), limit=50).rows))

        assert found("laptop") == ["SELLER-LAPTOP", "USER-LAPTOP"]
        assert found(laptop.guid, sort="username") == ["USER-LAPTOP"]
        expected = sorted(["USER-LAPTOP", "User Mac"] + ["dev-1", "dev-0", "dev-2"] * 2)
        assert found("user@acme", sort="org_name") == expected
        assert found("nowhere-at-all") == []
        assert catalog.DEVICES.count(admin, catalog.DEVICES.params(q="laptop")) == (2, True)


def test_the_count_is_bounded(app, fleet):
    with app.app_context():
        admin = db.session.get(User, fleet["admin"])
        params = catalog.DEVICES.params()
        assert catalog.DEVICES.count(admin, params, bound=100) == (15, True)
        assert catalog.DEVICES.count(admin, params, bound=10) == (10, False)


def test_a_key_that_no_page_of_these_parameters_ended_with_is_refused(app, fleet):
    with app.app_context():
        admin = db.session.get(User, fleet["admin"])
        by_org = catalog.DEVICES.params(sort="org_name")
        for key in (PageKey("value", ("Sales",), 1),  # the org's id is missing after its name
                    PageKey("null", (None, 1), 1),  # the org name is never NULL
                    PageKey("value", ("Sales", 1), "1")):
            with pytest.raises(ValidationError) as refused:
                catalog.DEVICES.page(admin, by_org, limit=5, after=key)
            assert refused.value.field == "cursor"


def test_unknown_sorts_fall_back_and_empty_filters_are_left_out():
    params = catalog.DEVICES.params(sort="password_hash", dir="sideways", q="  two   words ", filters={"os": ""})
    assert (params.sort, params.dir, params.q, params.filters) == ("name", "asc", "two words", {})


def test_filters_are_typed():
    params = catalog.AUDIT.params(filters={"since": "2026-01-31", "event": "signin", "unknown": "x"})
    assert params.filters["since"].isoformat() == "2026-01-31" and params.filters["event"] == "signin"
    assert "unknown" not in params.filters
    params = catalog.USER_REPORT.params(filters={"org": "12", "min_gb": "1.5"})
    assert params.filters == {"org": 12, "min_gb": 1.5}
    assert catalog.USER_REPORT.raw(params) == {"org": "12", "min_gb": "1.5"}


@pytest.mark.parametrize("listing, name, value, message", [
    (catalog.DEVICES, "org", "9" * 25, "No such organization"),
    (catalog.DEVICES, "org", "²", "No such organization"),
    (catalog.DEVICES, "org", "-1", "No such organization"),
    (catalog.DEVICES, "status", "sideways", "Choose a value from the list"),
    (catalog.DEVICES, "alert", "bogus", "Choose a value from the list"),
    (catalog.DEVICE_EVENTS, "device", "1" * 30, "No such device"),
    (catalog.DEVICE_EVENTS, "device", str(2**31), "No such device"),  # beyond what an id column holds
    (catalog.USER_ACTIVITY, "user", "²", "No such user"),
    (catalog.AUDIT, "since", "9999-12-31", "Enter a date from"),
    (catalog.AUDIT, "until", "0001-01-01", "Enter a date from"),
    (catalog.AUDIT, "since", "2026-02-30", "such as 12/31/2026"),
    (catalog.AUDIT, "since", "20260101", "such as 12/31/2026"),
    (catalog.AUDIT, "since", "2026-01-01\x00", "such as 12/31/2026"),
    (catalog.AUDIT, "actor", "ada\x00", "control characters"),
    (catalog.AUDIT, "event", "x" * 65, "at most 64"),
    (catalog.USER_REPORT, "min_gb", "NaN", "gigabytes"),
    (catalog.USER_REPORT, "min_gb", "Infinity", "gigabytes"),
    (catalog.USER_REPORT, "max_gb", "1e400", "gigabytes"),
    (catalog.USER_REPORT, "max_gb", "-3", "gigabytes"),
    (catalog.USER_REPORT, "max_gb", "9" * 25, "gigabytes"),
    (catalog.FORENSIC_SEARCH, "v1", "a\x00b", "control characters"),
    (catalog.CONNECTIONS, "kind", "ftp", "Choose a value from the list"),
])
def test_hostile_values_are_refused_by_name(app, listing, name, value, message):
    with app.test_request_context():  # messages are translated
        with pytest.raises(ValidationError) as refused:
            listing.params(filters={name: value})
        assert refused.value.field == name and message in str(refused.value)
        errors = {}
        params = listing.params(filters={name: value}, errors=errors)
        assert name not in params.filters and message in errors[name]


def test_a_search_with_control_characters_is_refused(app):
    with app.test_request_context():
        with pytest.raises(ValidationError) as refused:
            catalog.DEVICES.params(q="lap\x00top")
        assert refused.value.field == "q"
        errors = {}
        assert catalog.DEVICES.params(q="lap\x00top", errors=errors).q == "" and "q" in errors


def test_every_listing_sorts_by_its_default_and_pages_for_every_sort(app, fleet):
    with app.app_context():
        admin = db.session.get(User, fleet["admin"])
        for listing in (catalog.DEVICES, catalog.USERS, catalog.ORGS, catalog.AUDIT, catalog.ORG_REPORT,
                        catalog.USER_REPORT, catalog.DEVICE_REPORT, catalog.CONNECTIONS):
            for sort in listing.sorts:
                for direction in ("asc", "desc"):
                    params = listing.params(sort=sort, dir=direction)
                    ids = [r.id for rows in listing.pages(admin, params, batch=2) for r in rows]
                    assert len(ids) == len(set(ids)) == listing.count(admin, params)[0], (listing.key, sort)


@pytest.mark.parametrize("direction, bound", [("desc", "until"), ("asc", "since")])
def test_a_deep_page_seeks_the_index_at_its_own_bound(app, world, direction, bound):
    """A page reads from where the last one ended, not from a date filter's bound on the same column: a page
    deep in the Audit Log's range costs what the second one does (SQLite's VM steps, counted, not timed)."""
    from datetime import date, datetime, timedelta

    from sqlalchemy import insert

    from webconsole.models import AuditEvent

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite seeks by the first of two bounds on a column; PostgreSQL combines them")
        start = datetime(2026, 11, 1)
        db.session.execute(insert(AuditEvent), [
            {"at": start + timedelta(minutes=n), "event_type": "user.update", "actor_username": "a@acme.test"}
            for n in range(3000)])
        db.session.commit()
        admin = db.session.get(User, world["admin"])
        edge = date(2026, 11, 5) if bound == "until" else date(2026, 10, 31)
        params = catalog.AUDIT.params(sort="at", dir=direction, filters={bound: edge.isoformat()})
        steps = []
        db.session.connection().connection.dbapi_connection.set_progress_handler(lambda: steps.append(1) and 0, 100)
        costs, seen, after = [], [], None
        while True:
            steps.clear()
            page = catalog.AUDIT.page(admin, params, limit=100, after=after)
            costs.append(len(steps))
            seen += [row.at for row in page.rows if row.event_type == "user.update"]
            if page.next is None:
                break
            after = page.next
        db.session.connection().connection.dbapi_connection.set_progress_handler(None, 100)
    assert len(seen) == 3000 and seen == sorted(seen, reverse=direction == "desc")
    # Seeking from the filter's bound instead, the 29th page scanned 2 800 index entries first.
    assert max(costs[1:-1]) < 2 * costs[1]
