"""Watchlists: adding, removing and profiles, in the actor's scope, with every value checked."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from webconsole.domain import watchlists
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.listings import catalog
from webconsole.extensions import db
from webconsole.models import AuditEvent, Role, RolePermission, User
from webconsole.models.base import utcnow
from webconsole.models.watchlists import RiskProfile, WatchlistChange, WatchlistMember


@pytest.fixture
def people(app, world, make_user):
    world["analyst"] = make_user("analyst@acme.test", "security_admin", world["root"])
    with app.app_context():
        # A watchlist manager of Engineering only: a role reaching one org subtree.
        role = Role(key="eng_watch", name="Engineering watch", scope="subtree", builtin=False)
        db.session.add(role)
        db.session.flush()
        db.session.add_all([RolePermission(role_id=role.id, permission=p)
                            for p in ("watchlists.view", "watchlists.manage", "forensics.search")])
        db.session.commit()
        world["eng_role"] = role.id
    eng_watcher = make_user("engwatch@acme.test", None, world["eng"])
    with app.app_context():
        watcher = db.session.get(User, eng_watcher)
        watcher.roles.append(db.session.get(Role, world["eng_role"]))
        db.session.commit()
    world["eng_watcher"] = eng_watcher
    return world


def actor(user_id):
    return db.session.get(User, user_id)


def test_adding_several_users_records_members_history_profile_and_audit(app, people):
    with app.app_context():
        me = actor(people["analyst"])
        leaving = utcnow().date() + timedelta(days=10)
        added = watchlists.add_members(me, "departing", [people["user"], str(people["seller"])], departure=leaving,
                                       notes="Moving to a rival", cloud_aliases="u@gmail.test, U@gmail.test")
        assert [u.id for u in added] == [people["user"], people["seller"]]
        profile = db.session.get(RiskProfile, people["user"])
        assert profile.departure_date == leaving and profile.cloud_aliases == ["u@gmail.test"]
        assert profile.notes == "Moving to a rival"
        assert db.session.scalar(select(WatchlistChange.action).where(WatchlistChange.user_id == people["user"])) \
            == "added"
        audited = db.session.scalars(select(AuditEvent.event_type).where(AuditEvent.actor_id == me.id)).all()
        assert audited.count("watchlist.add") == 2 and audited.count("watchlist.profile") == 2
        with pytest.raises(ValidationError) as refused:
            watchlists.add_members(me, "departing", [people["user"]])
        assert "user@acme.test" in str(refused.value) and refused.value.code == "watchlist.already_member"
        assert db.session.scalar(select(db.func.count()).select_from(WatchlistMember)) == 2
        watchlists.remove_member(me, "departing", people["user"])
        assert watchlists.memberships_of(people["user"]) == []
        assert [c.action for c in watchlists.history_of(people["user"])] == ["removed", "added"]
        with pytest.raises(NotFound):
            watchlists.remove_member(me, "departing", people["user"])


def test_a_user_out_of_scope_is_no_such_user(app, people):
    with app.app_context():
        eng = actor(people["eng_watcher"])
        with pytest.raises(ValidationError) as refused:
            watchlists.add_members(eng, "high_risk", [people["seller"]], risk_factors=["flight_risk"])
        assert refused.value.code == "not_found"
        watchlists.add_members(eng, "high_risk", [people["user"]], risk_factors=["flight_risk", "contract_employee"])
        assert db.session.get(RiskProfile, people["user"]).risk_factors == ["contract_employee", "flight_risk"]
        watchlists.add_members(actor(people["analyst"]), "high_risk", [people["seller"]])
        listing = catalog.WATCHLISTS["high_risk"]
        seen = [row.id for row in listing.page(eng, listing.params(), limit=10).rows]
        assert seen == [people["user"]]  # the seller (Sales) is beyond Engineering
        everyone = [row.id for row in listing.page(actor(people["analyst"]), listing.params(), limit=10).rows]
        assert sorted(everyone) == sorted([people["user"], people["seller"]])
        with pytest.raises(NotFound):
            watchlists.update_profile(eng, people["seller"], notes="x")
        assert watchlists.pick_users(eng, "acme", "watchlists.manage")[0].username != "seller@acme.test"


@pytest.mark.parametrize(("fields", "field"), [
    ({"departure": "2026-02-30"}, "departure_date"),
    ({"departure": "９９９９-01-01"}, "departure_date"),
    ({"departure": "1900-01-01"}, "departure_date"),
    ({"notes": "x" * 1001}, "notes"),
    ({"notes": "a\x00b"}, "notes"),
    ({"cloud_aliases": "not an address"}, "cloud_aliases"),
    ({"cloud_aliases": ", ".join(f"a{n}@x.test" for n in range(6))}, "cloud_aliases"),
    ({"risk_factors": ["CONTRACT_EMPLOYEE"]}, "risk_factors"),
])
def test_profile_values_are_checked(app, people, fields, field):
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            watchlists.update_profile(actor(people["analyst"]), people["user"], **fields)
        assert refused.value.field == field


def test_hostile_ids_and_lists_are_refused(app, people):
    with app.app_context():
        me = actor(people["analyst"])
        for ids in ([], ["abc"], ["99999999999999999999"], [999999]):
            with pytest.raises(ValidationError):
                watchlists.add_members(me, "departing", ids)
        with pytest.raises(ValidationError):
            watchlists.add_members(me, "everyone", [people["user"]])


def test_quick_filters_count_leavers_and_recent_exposure(app, people):
    from tests.blueprints.test_file_event_upload import event
    from tests.blueprints.test_forensic_search import at
    from webconsole.domain import events
    from webconsole.models import Device
    with app.app_context():
        me = actor(people["analyst"])
        today = utcnow().date()
        watchlists.add_members(me, "departing", [people["user"]], departure=today)
        watchlists.add_members(me, "departing", [people["seller"]], departure=today + timedelta(days=20))
        watchlists.add_members(me, "departing", [people["helpdesk"]], departure=today + timedelta(days=90))
        laptop = db.session.get(Device, people["user_laptop"])
        for days in (0.1, 3):
            events.store([events.parse_event(event(eventTimestamp=at(days)))], "t", {
                "device_id": laptop.id, "user_id": laptop.user_id, "org_id": laptop.org_id,
                "username": laptop.user.username, "hostname": laptop.hostname})
        seller = db.session.get(Device, people["seller_laptop"])
        events.store([events.parse_event(event(eventTimestamp=at(10)))], "t", {
            "device_id": seller.id, "user_id": seller.user_id, "org_id": seller.org_id,
            "username": seller.user.username, "hostname": seller.hostname})
        counts = watchlists.quick_counts(me, "departing", 100)
        assert counts == {"leaving_today": (1, True), "leaving_30d": (2, True), "exposure_24h": (1, True),
                          "exposure_30d": (2, True)}
        listing = catalog.WATCHLISTS["departing"]
        rows = listing.page(me, listing.params(sort="departure_date", dir="asc"), limit=10).rows
        assert [r.id for r in rows] == [people["user"], people["seller"], people["helpdesk"]]
        assert rows[0].last_exposure is not None and rows[2].last_exposure is None


def test_recent_exposure_is_exact_within_the_hour_it_starts_in(app, people):
    """Whole hours come from the exposure counts; the hour holding the start, from the events."""
    from tests.blueprints.test_file_event_upload import event
    from webconsole.domain import events
    now = datetime(2026, 11, 20, 12, 30)
    since = now - timedelta(hours=24)
    with app.app_context():
        for who, moment in (("user", since + timedelta(minutes=10)), ("seller", since - timedelta(minutes=10)),
                            ("helpdesk", now - timedelta(hours=2))):
            user = db.session.get(User, people[who])
            events.store([events.parse_event(event(eventTimestamp=moment.isoformat() + "Z"))], "t", {
                "device_id": None, "user_id": user.id, "org_id": user.org_id, "username": user.username,
                "hostname": ""})
        found = set(db.session.scalars(select(User.id).where(watchlists.quick_condition("exposure_24h", now))))
        assert found == {people["user"], people["helpdesk"]}
