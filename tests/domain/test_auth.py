import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from webconsole.domain.auth import SignInRefused, SignInThrottled, sign_in
from webconsole.domain.sessions import load_session_user
from webconsole.extensions import db
from webconsole.models import AuditEvent, User


def audit_types(app):
    with app.app_context():
        return [e.event_type for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_sign_in_is_case_insensitive_and_audited(app, world):
    with app.app_context():
        user = sign_in("  Admin@ACME.test ", PASSWORD, "192.0.2.1")
        assert user.id == world["admin"]
        assert user.last_signin_at is not None
    assert audit_types(app) == ["signin"]


def test_wrong_password_is_refused_and_audited(app, world):
    with app.app_context(), pytest.raises(SignInRefused):
        sign_in("admin@acme.test", "wrong", "192.0.2.1")
    assert audit_types(app) == ["signin.failed"]


def fail(username, address, times=1):
    """`times` failures, each with another wrong password (the same one again is a client's resend)."""
    for n in range(times):
        with pytest.raises(SignInRefused):
            sign_in(username, f"wrong {n}", address)


def test_five_failures_pause_that_address_for_that_account_only(app, world):
    with app.app_context():
        fail("admin@acme.test", "203.0.113.9", 5)
        with pytest.raises(SignInThrottled):
            sign_in("admin@acme.test", PASSWORD, "203.0.113.9")
        # The guesser cannot keep the real user out from their own address.
        assert sign_in("admin@acme.test", PASSWORD, "192.0.2.10").id == world["admin"]


def test_guessing_from_many_addresses_is_bounded_per_account(app, world):
    with app.app_context():
        sign_in("admin@acme.test", PASSWORD, "192.0.2.10")  # the real user's usual address
        for n in range(20):
            fail("admin@acme.test", f"203.0.113.{n}", 1)
        with pytest.raises(SignInThrottled):
            sign_in("admin@acme.test", PASSWORD, "203.0.113.200")  # any new address waits
        # An address the account signed in from lately is not paused by others' failures.
        assert sign_in("admin@acme.test", PASSWORD, "192.0.2.10").id == world["admin"]


def test_failures_spread_over_accounts_pause_the_address(app, world):
    with app.app_context():
        for n in range(20):
            fail(f"nobody{n}@acme.test", "198.51.100.7")
        with pytest.raises(SignInThrottled):
            sign_in("admin@acme.test", PASSWORD, "198.51.100.7")
        # Another address is not affected.
        assert sign_in("admin@acme.test", PASSWORD, "198.51.100.8").id == world["admin"]


def test_throttle_lifts_after_the_window(app, world):
    from datetime import timedelta

    from webconsole.models import SignInAttempt
    with app.app_context():
        fail("admin@acme.test", "192.0.2.1", 5)
        for attempt in db.session.scalars(select(SignInAttempt)):
            attempt.at -= timedelta(minutes=16)
        db.session.commit()
        assert sign_in("admin@acme.test", PASSWORD, "192.0.2.1").id == world["admin"]


@pytest.mark.parametrize("change", [{"blocked": True}, {"status": "deactivated"}])
def test_blocked_or_deactivated_user_cannot_sign_in(app, world, change):
    with app.app_context():
        user = db.session.get(User, world["user"])
        for key, value in change.items():
            setattr(user, key, value)
        db.session.commit()
        with pytest.raises(SignInRefused):
            sign_in("user@acme.test", PASSWORD, "192.0.2.1")


def test_a_session_opens_by_its_token_until_it_ends(app, world):
    from webconsole.domain.sessions import end_sessions
    with app.app_context():
        user = sign_in("user@acme.test", PASSWORD, "192.0.2.1", "Test browser")
        token = user.get_id()
        db.session.expire_all()
        assert load_session_user(token).id == world["user"]
        end_sessions([world["user"]])
        db.session.commit()
        assert load_session_user(token) is None
        assert load_session_user("garbage") is None


def test_last_seen_is_written_at_most_every_few_minutes(app, world):
    from datetime import timedelta

    from webconsole.models import UserSession
    with app.app_context():
        token = sign_in("user@acme.test", PASSWORD, "192.0.2.1").get_id()
        db.session.commit()
        row = db.session.scalar(select(UserSession))
        first_seen = row.last_seen_at
        load_session_user(token)
        db.session.refresh(row)
        assert row.last_seen_at == first_seen  # no write on every request
        row.last_seen_at = first_seen - timedelta(minutes=6)
        db.session.commit()
        load_session_user(token)
        db.session.refresh(row)
        assert row.last_seen_at > first_seen - timedelta(minutes=6)


def test_a_session_unused_for_a_month_no_longer_opens_and_is_pruned(app, world):
    from datetime import timedelta

    from webconsole.domain.sessions import prune_idle_sessions
    from webconsole.models import UserSession
    with app.app_context():
        token = sign_in("user@acme.test", PASSWORD, "192.0.2.1").get_id()
        db.session.commit()
        db.session.scalar(select(UserSession)).last_seen_at -= timedelta(days=31)
        db.session.commit()
        assert load_session_user(token) is None
        assert prune_idle_sessions() == 1


def test_the_same_wrong_password_sent_again_at_once_costs_one_failure(app, world):
    """py42 and code42cli send a refused request a second time by themselves: one typo is one failure."""
    from datetime import timedelta

    from webconsole.models import SignInAttempt
    with app.app_context():
        for _ in range(6):
            with pytest.raises(SignInRefused):
                sign_in("admin@acme.test", "typo", "192.0.2.1")
        assert db.session.scalar(select(func.count()).select_from(SignInAttempt)) == 1
        assert sign_in("admin@acme.test", PASSWORD, "192.0.2.1").id == world["admin"]
        fail("admin@acme.test", "192.0.2.2", 5)  # five different guesses still pause that address
        with pytest.raises(SignInThrottled):
            sign_in("admin@acme.test", PASSWORD, "192.0.2.2")
        for attempt in db.session.scalars(select(SignInAttempt)):
            attempt.at -= timedelta(seconds=61)
        db.session.commit()
        with pytest.raises(SignInRefused):  # later, the same typo is a new failure
            sign_in("admin@acme.test", "typo", "192.0.2.1")
        assert db.session.scalar(select(func.count()).select_from(SignInAttempt).where(
            SignInAttempt.succeeded.is_(False), SignInAttempt.address == "192.0.2.1")) == 2
