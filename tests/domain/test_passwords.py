"""An unknown username costs the same work as a wrong password, at sign-in and at agent registration."""
import pytest
from argon2 import PasswordHasher

from tests.conftest import PASSWORD
from webconsole.blueprints.agent_api.payloads import Registration
from webconsole.domain import agents
from webconsole.domain.auth import SignInRefused, sign_in
from webconsole.extensions import db
from webconsole.models import Org


@pytest.fixture
def hashing(monkeypatch):
    """Count Argon2 hash computations and verifications."""
    counts = {"hash": 0, "verify": 0}
    real_hash, real_verify = PasswordHasher.hash, PasswordHasher.verify

    def counted_hash(self, *args, **kwargs):
        counts["hash"] += 1
        return real_hash(self, *args, **kwargs)

    def counted_verify(self, *args, **kwargs):
        counts["verify"] += 1
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", counted_hash)
    monkeypatch.setattr(PasswordHasher, "verify", counted_verify)
    return counts


def _work(counts, attempt):
    before = dict(counts)
    attempt()
    return {k: counts[k] - before[k] for k in counts}


def test_sign_in_does_the_same_work_for_unknown_users_and_wrong_passwords(app, world, hashing):
    def refused(username):
        def attempt():
            with pytest.raises(SignInRefused):
                sign_in(username, "wrong password", "192.0.2.1")
        return attempt

    with app.app_context():
        refused("nobody@acme.test")()  # the first miss may prepare the stand-in hash
        unknown = _work(hashing, refused("nobody@acme.test"))
        wrong = _work(hashing, refused("admin@acme.test"))
    assert unknown == wrong == {"hash": 0, "verify": 1}


def test_agent_registration_does_the_same_work_for_unknown_users_and_wrong_passwords(app, world, hashing):
    with app.app_context():
        key = db.session.get(Org, world["platform"]).registration_key

    def refused(username):
        def attempt():
            body = Registration(registration_key=key, username=username, password="wrong password",
                                hostname="h", os="linux")
            with pytest.raises(agents.AgentError):
                agents.register_device(body, "192.0.2.2")
        return attempt

    with app.app_context():
        refused("nobody@acme.test")()
        unknown = _work(hashing, refused("nobody@acme.test"))
        wrong = _work(hashing, refused("user@acme.test"))
        assert sign_in("user@acme.test", PASSWORD, "192.0.2.3")  # the real user is not locked out
    assert unknown == wrong == {"hash": 0, "verify": 1}
