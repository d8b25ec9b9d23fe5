"""Evaluating alert rules as events are stored: thresholds, windows, vectors, watch modes, and never the
same events twice."""
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.domain.test_alert_rules import values
from webconsole.domain import alert_evaluation, alert_rules, alert_signals, alerts, events
from webconsole.domain.errors import NotFound
from webconsole.extensions import db
from webconsole.models import Alert, AlertChange, AlertEvent, Role, RolePermission, User, WatchlistMember

T0 = datetime(2026, 11, 20, 10, 0, 0)


@pytest.fixture
def ctx(app, world):
    with app.app_context():
        yield {**world, "admin": db.session.get(User, world["admin"])}


@pytest.fixture
def raised():
    heard = []
    alert_signals.on_alerts_raised(heard.extend)
    yield heard
    alert_signals.forget_subscriber(heard.extend)


def item(at, exposure=("RemovableMedia",), size=1000, **fields):
    return {"eventId": f"e-{uuid.uuid4().hex}", "eventType": "CREATED", "eventTimestamp": at.isoformat() + "Z",
            "fileName": "plan.pdf", "filePath": "/home/u/", "fileSize": size, "exposure": list(exposure), **fields}


def store(ctx, items, who="user", origin=None):
    """Store events as an agent of `who` would (None: events of an unknown user named ghost@acme.test)."""
    if who is None:
        common = {"username": "ghost@acme.test", "user_id": None, "org_id": ctx["root"]}
    else:
        user = db.session.get(User, ctx[who])
        common = {"username": user.username, "user_id": user.id, "org_id": user.org_id}
    return events.store(events.parse_batch(items), origin or f"d{who}", common)[0]


def rule(ctx, **changes):
    return alert_rules.create_rule(ctx["admin"], values(**changes))


def all_alerts():
    return db.session.scalars(select(Alert).order_by(Alert.id)).all()


def test_more_than_the_threshold_raises_one_alert_with_its_events(ctx, raised):
    r = rule(ctx, threshold="20")
    store(ctx, [item(T0 + timedelta(minutes=n)) for n in range(20)])
    assert all_alerts() == []  # 20 is not more than 20
    store(ctx, [item(T0 + timedelta(minutes=21))])
    [alert] = all_alerts()
    assert (alert.rule_id, alert.user_id, alert.org_id, alert.file_count, alert.total_bytes) == (
        r.id, ctx["user"], ctx["platform"], 21, 21_000)
    assert (alert.first_event_at, alert.last_event_at, alert.state) == (T0, T0 + timedelta(minutes=21), "open")
    assert db.session.scalar(select(func.count()).select_from(AlertEvent).where(AlertEvent.alert_id == alert.id)) == 21
    assert db.session.scalars(select(AlertChange.kind).where(AlertChange.alert_id == alert.id)).all() == ["raised"]
    assert raised == [alert.id]


def test_the_window_ends_at_the_newest_new_match_and_leaves_its_start_out(ctx):
    rule(ctx, threshold="2", window_amount="1", window_unit="hours")
    store(ctx, [item(T0), item(T0 + timedelta(minutes=30))])
    store(ctx, [item(T0 + timedelta(hours=1))])  # T0 is exactly an hour before: outside
    assert all_alerts() == []
    store(ctx, [item(T0 + timedelta(minutes=59, seconds=59))])  # its hour reaches back past T0
    [alert] = all_alerts()
    assert (alert.file_count, alert.first_event_at) == (3, T0)
    assert alert.last_event_at == T0 + timedelta(minutes=59, seconds=59)  # the 11:00 event is after its window


def test_retries_reimports_and_evaluating_again_raise_nothing_new(ctx, raised):
    rule(ctx, threshold="2")
    batch = [item(T0 + timedelta(minutes=n)) for n in range(3)]
    assert store(ctx, batch) == 3
    assert store(ctx, batch) == 0  # the agent retries: nothing stored, nobody told
    store(ctx, batch, origin="import")  # the same events imported under another origin are other events
    ids = db.session.scalars(select(Alert.id)).all()
    assert len(ids) == 2
    first, last = db.session.execute(select(func.min(AlertEvent.event_id), func.max(AlertEvent.event_id))).one()
    assert alert_evaluation.evaluate_range(first, last) == []  # evaluated again: the events are alerted on
    assert raised == ids


def test_events_already_alerted_on_are_not_counted_again(ctx):
    rule(ctx, threshold="2", window_amount="1", window_unit="days")
    store(ctx, [item(T0 + timedelta(minutes=n)) for n in range(3)])
    store(ctx, [item(T0 + timedelta(minutes=10 + n)) for n in range(2)])
    assert len(all_alerts()) == 1  # 3 earlier ones were alerted on; 2 new are not more than 2
    store(ctx, [item(T0 + timedelta(minutes=20))])
    assert [a.file_count for a in all_alerts()] == [3, 3]


def test_a_rule_matches_its_vector_file_filters_and_bytes(ctx):
    rule(ctx, name="Sync", vector="cloud_sync", threshold="1")
    rule(ctx, name="Mail", vector="email", threshold="1")
    rule(ctx, name="Big PDFs", vector="any", categories=["Pdf"], name_part="PLAN", min_size="500",
         threshold_kind="bytes", threshold="1500")
    store(ctx, [item(T0, fileCategory="Pdf"), item(T0, fileCategory="Pdf", size=400),
                item(T0, fileCategory="Image", size=10_000)])
    assert all_alerts() == []  # removable media only; one big PDF is 1000 bytes, not more than 1500
    store(ctx, [item(T0 + timedelta(minutes=1), fileCategory="Pdf", size=600),
                item(T0, exposure=("CloudStorage",)), item(T0, exposure=("CloudStorage",)),
                item(T0, exposure=(), eventType="EMAILED"), item(T0, exposure=(), eventType="EMAILED")])
    assert sorted((a.name, a.file_count, a.total_bytes) for a in all_alerts()) == [
        ("Big PDFs", 2, 1600), ("Mail", 2, 2000), ("Sync", 2, 2000)]


def test_disabled_and_deleted_rules_evaluate_nothing(ctx):
    off, gone = rule(ctx, name="Off", threshold="1"), rule(ctx, name="Gone", threshold="1")
    alert_rules.set_enabled(ctx["admin"], off, False)
    alert_rules.delete_rule(ctx["admin"], gone)
    store(ctx, [item(T0), item(T0)])
    assert all_alerts() == []


def test_watch_modes(ctx):
    rule(ctx, name="Departing", watch="departing", threshold="1")
    rule(ctx, name="Chosen", watch="users", users="seller@acme.test", threshold="1")
    rule(ctx, name="Everyone", threshold="1")
    db.session.add(WatchlistMember(watchlist="departing", user_id=ctx["user"]))
    db.session.commit()
    for who in ("user", "seller", None):
        store(ctx, [item(T0), item(T0)], who=who)
    found = sorted((a.name, a.username) for a in all_alerts())
    assert found == [("Chosen", "seller@acme.test"), ("Departing", "user@acme.test"),
                     ("Everyone", "ghost@acme.test"), ("Everyone", "seller@acme.test"),
                     ("Everyone", "user@acme.test")]
    ghost = db.session.scalar(select(Alert).where(Alert.username == "ghost@acme.test"))
    assert ghost.user_id is None and ghost.org_id == ctx["root"]


def test_alerts_follow_the_actors_scope(ctx):
    rule(ctx, threshold="1")
    store(ctx, [item(T0), item(T0)], who="user")  # Platform, under Engineering
    store(ctx, [item(T0), item(T0)], who="seller")  # Sales
    role = Role(key="eng_analyst", name="Engineering analyst", scope="subtree", builtin=False,
                permissions=[RolePermission(permission="alerts.manage")])
    analyst = User(username="eng-analyst@acme.test", email="eng-analyst@acme.test", password_hash="x",
                   org_id=ctx["eng"], roles=[role])
    db.session.add(analyst)
    db.session.commit()
    params = type("P", (), {"filters": {}, "q": ""})()
    seen = db.session.execute(alerts.alert_list(analyst, params)).all()
    assert [row.username for row in seen] == ["user@acme.test"]
    seller_alert = db.session.scalar(select(Alert).where(Alert.username == "seller@acme.test"))
    with pytest.raises(NotFound):
        alerts.get_alert(analyst, seller_alert.id)
    assert alerts.selected_ids(analyst, [str(seller_alert.id)]) == []
    helpdesk = db.session.get(User, ctx["helpdesk"])
    assert db.session.execute(alerts.alert_list(helpdesk, params)).all() == []


def test_triage_states_notes_assignment_and_bulk(ctx):
    rule(ctx, threshold="1")
    store(ctx, [item(T0), item(T0)], who="user")
    store(ctx, [item(T0), item(T0)], who="seller")
    admin = ctx["admin"]
    first, second = all_alerts()
    with pytest.raises(Exception, match="note"):
        alerts.change_state(admin, first, "resolved")
    alerts.change_state(admin, first, "in_progress")
    alerts.assign(admin, first, str(admin.id))
    with pytest.raises(Exception, match="investigator"):
        alerts.assign(admin, first, str(ctx["helpdesk"]))
    alerts.add_note(admin, first, "Looking into it")
    alerts.change_state(admin, first, "resolved", "Approved transfer")
    assert [(c.kind, c.to_state, c.note) for c in db.session.scalars(select(AlertChange).where(
        AlertChange.alert_id == first.id).order_by(AlertChange.id))] == [
        ("raised", "open", ""), ("state", "in_progress", ""), ("assigned", "", ""), ("note", "", "Looking into it"),
        ("state", "resolved", "Approved transfer")]
    assert alerts.bulk_change(admin, [first.id, second.id], "pending") == 2
    assert {a.state for a in all_alerts()} == {"pending"}


def test_late_events_count_in_their_own_window_and_beside_alerted_ones(ctx):
    rule(ctx, threshold="1", window_amount="1", window_unit="hours")
    store(ctx, [item(T0 + timedelta(minutes=m)) for m in (10, 20, 30)])
    store(ctx, [item(T0 + timedelta(minutes=m)) for m in (5, 6)])  # late: before the alert's newest event
    store(ctx, [item(T0 + timedelta(minutes=40)), item(T0 + timedelta(minutes=15))])
    assert [(a.file_count, a.first_event_at.minute, a.last_event_at.minute) for a in all_alerts()] == [
        (3, 10, 30), (2, 5, 6), (2, 15, 40)]
    assert db.session.scalar(select(func.count()).select_from(AlertEvent)) == 7
