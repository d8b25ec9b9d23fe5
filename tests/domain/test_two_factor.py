"""Two-factor sign-in: enrolment, codes accepted once, recovery codes, the org requirement, throttling."""
import time

import pyotp
import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from webconsole.domain import two_factor
from webconsole.domain.auth import (
    EnrolmentRequired,
    SecondFactorRequired,
    SignInRefused,
    SignInThrottled,
    begin_sign_in,
    check_credentials,
    finish_sign_in,
)
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.extensions import db
from webconsole.models import AuditEvent, RecoveryCode, TwoFactor, User


def secret_of(user):
    """The user's TOTP secret, as the person reads it off the page (spaces and all)."""
    return two_factor.provisioning(user, two_factor.record_of(user))["secret"].replace(" ", "")


def code_at(secret, offset_steps=0):
    """The code of the current 30-second window, or of one `offset_steps` away."""
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def enrol(user):
    """Turn two-factor sign-in on for `user`; returns (secret, recovery codes)."""
    two_factor.start_enrolment(user)
    secret = secret_of(user)
    codes = two_factor.confirm_enrolment(user, code_at(secret, -1))
    return secret, codes


def audit_types():
    return [e.event_type for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


@pytest.fixture
def ctx(app, world):
    with app.app_context():
        yield world


def user(key_or_id):
    return db.session.get(User, key_or_id)


def test_enrolment_is_pending_until_a_current_code_confirms_it(ctx):
    ada = user(ctx["admin"])
    record = two_factor.start_enrolment(ada)
    assert record.enrolled_at is None and not two_factor.enrolled(ada)
    # The secret is stored sealed with the master key, not in clear.
    secret = secret_of(ada)
    assert secret not in record.sealed_secret
    # Asking again (a reload of the page) shows the same secret, so a scanned QR code stays valid.
    two_factor.start_enrolment(ada)
    assert secret_of(ada) == secret
    setup = two_factor.provisioning(ada, record)
    assert setup["uri"].startswith("otpauth://totp/") and "admin%40acme.test" in setup["uri"]
    assert setup["svg"].startswith("<svg") and "<script" not in setup["svg"]
    with pytest.raises(ValidationError) as wrong:
        two_factor.confirm_enrolment(ada, "000000" if code_at(secret) != "000000" else "111111")
    assert wrong.value.field == "code" and not two_factor.enrolled(ada)
    codes = two_factor.confirm_enrolment(ada, code_at(secret))
    assert two_factor.enrolled(ada) and len(codes) == len(set(codes)) == 10
    assert two_factor.recovery_codes_left(ada) == 10
    # Only digests are kept.
    assert not {c.replace("-", "") for c in codes} & set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert "account.2fa_enrol" in audit_types()
    with pytest.raises(ValidationError):
        two_factor.start_enrolment(ada)


def test_a_code_is_accepted_once_and_only_near_its_window(ctx):
    ada = user(ctx["admin"])
    secret, _codes = enrol(ada)  # spent the previous window's code
    assert two_factor.verify(ada, code_at(secret, -1)) is None  # replay of the enrolment code
    assert two_factor.verify(ada, code_at(secret, -3)) is None  # too old
    assert two_factor.verify(ada, code_at(secret, 3)) is None  # too far ahead
    current = code_at(secret)
    assert two_factor.verify(ada, f" {current[:3]} {current[3:]} ") == "totp"  # typed with spaces
    assert two_factor.verify(ada, current) is None  # the same code again: a replay
    assert two_factor.verify(ada, "") is None and two_factor.verify(ada, "x" * 5000) is None


def test_a_recovery_code_signs_in_once(ctx):
    ada = user(ctx["admin"])
    _secret, codes = enrol(ada)
    assert two_factor.verify(ada, codes[0].upper()) == "recovery"
    assert two_factor.verify(ada, codes[0]) is None
    assert two_factor.recovery_codes_left(ada) == 9
    assert two_factor.verify(ada, "abcd-efgh-jkmn") is None


def test_replacing_recovery_codes_needs_a_code_and_voids_the_old_ones(ctx):
    ada = user(ctx["admin"])
    secret, old = enrol(ada)
    with pytest.raises(ValidationError):
        two_factor.regenerate_recovery_codes(ada, "not a code")
    new = two_factor.regenerate_recovery_codes(ada, code_at(secret))
    assert two_factor.verify(ada, old[1]) is None
    assert two_factor.verify(ada, new[1]) == "recovery"
    assert "account.2fa_recovery_codes" in audit_types()


def test_the_requirement_is_inherited_down_the_tree_and_blocks_turning_off(ctx):
    admin, person = user(ctx["admin"]), user(ctx["user"])  # person is in Platform, under Engineering
    assert not two_factor.required_for(person)
    two_factor.set_required(admin, ctx["eng"], True)
    assert two_factor.required_for(person) and two_factor.requiring_org(person.org).name == "Engineering"
    assert not two_factor.required_for(user(ctx["seller"]))  # Sales is a sibling
    assert two_factor.must_enrol(person)
    secret, _codes = enrol(person)
    assert not two_factor.must_enrol(person)
    with pytest.raises(ValidationError) as refused:
        two_factor.turn_off(person, PASSWORD)
    assert refused.value.code == "two_factor.required"
    two_factor.set_required(admin, ctx["eng"], False)
    with pytest.raises(ValidationError):
        two_factor.turn_off(person, "wrong password")
    two_factor.turn_off(person, PASSWORD)
    assert two_factor.record_of(person) is None
    assert {"org.update", "account.2fa_disable"} <= set(audit_types())


def test_an_org_admin_sets_the_requirement_and_resets_users_only_in_their_subtree(ctx):
    orgadmin = user(ctx["orgadmin"])
    with pytest.raises(NotFound):
        two_factor.set_required(orgadmin, ctx["sales"], True)
    enrol(user(ctx["seller"]))
    with pytest.raises(NotFound):
        two_factor.reset(orgadmin, ctx["seller"])
    enrol(user(ctx["user"]))
    two_factor.reset(orgadmin, ctx["user"])
    assert not two_factor.enrolled(user(ctx["user"]))
    assert db.session.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == ctx["user"])) is None
    assert "user.2fa_reset" in audit_types()


def test_sign_in_asks_for_the_code_after_the_password(ctx):
    ada = user(ctx["admin"])
    secret, _codes = enrol(ada)
    found, step = begin_sign_in("admin@acme.test", PASSWORD, "192.0.2.1")
    assert (found.id, step) == (ada.id, "code")
    with pytest.raises(SignInRefused):
        finish_sign_in(ada.id, "12345", "192.0.2.1")
    used = code_at(secret)
    assert finish_sign_in(ada.id, used, "192.0.2.1").session_token
    assert audit_types()[-2:] == ["signin.2fa_failed", "signin"]
    # The one-call door (the API): no code, a wrong one, a right one.
    with pytest.raises(SecondFactorRequired):
        check_credentials("admin@acme.test", PASSWORD, "192.0.2.1")
    with pytest.raises(SignInRefused):
        check_credentials("admin@acme.test", PASSWORD, "192.0.2.1", code=used)  # spent above
    assert check_credentials("admin@acme.test", PASSWORD, "192.0.2.1", code=code_at(secret, 1)).id == ada.id


def test_wrong_codes_count_toward_the_sign_in_throttle(ctx):
    ada = user(ctx["admin"])
    secret, _codes = enrol(ada)
    wrong = [c for c in ("000000", "111111", "222222", "333333", "444444", "555555", "666666")
             if c not in {code_at(secret, k) for k in (-1, 0, 1, 2)}][:5]
    for code in wrong:
        with pytest.raises(SignInRefused):
            finish_sign_in(ada.id, code, "203.0.113.9")
    # Bounded: even the right code now waits, so six digits cannot be guessed by retrying.
    with pytest.raises(SignInThrottled):
        finish_sign_in(ada.id, code_at(secret), "203.0.113.9")
    with pytest.raises(SignInThrottled):
        begin_sign_in("admin@acme.test", PASSWORD, "203.0.113.9")
    assert audit_types().count("signin.2fa_failed") == 5


def test_a_user_whose_org_requires_it_signs_in_to_enrol_but_the_api_refuses(ctx):
    two_factor.set_required(user(ctx["admin"]), ctx["root"], True)
    found, step = begin_sign_in("seller@acme.test", PASSWORD, "192.0.2.1")
    assert step == "enrol" and found.session_token
    with pytest.raises(EnrolmentRequired):
        check_credentials("seller@acme.test", PASSWORD, "192.0.2.1")


def test_login_configuration_tells_no_one_which_usernames_exist(ctx):
    assert two_factor.login_type("admin@acme.test") == "LOCAL"
    assert two_factor.login_type("nobody@acme.test") == "LOCAL_2FA"
    enrol(user(ctx["admin"]))
    assert two_factor.login_type(" ADMIN@acme.test") == "LOCAL_2FA"


def test_a_pending_set_up_does_not_ask_for_a_code_and_can_be_cancelled(ctx):
    ada = user(ctx["admin"])
    two_factor.start_enrolment(ada)
    assert begin_sign_in("admin@acme.test", PASSWORD, "192.0.2.1")[1] is None
    two_factor.cancel_enrolment(ada)
    assert db.session.get(TwoFactor, ada.id) is None
