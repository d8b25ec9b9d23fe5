"""The real py42 and code42cli signing in as a user with two-factor sign-in: the code goes in the token call's
`totp-auth` header; a missing or wrong code ends in the clients' own clean errors."""
import csv
import io
import os
import subprocess
import sys

import py42.sdk
import pytest
from py42.exceptions import Py42UnauthorizedError
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.two_factor import Authenticator
from webconsole.domain import two_factor
from webconsole.extensions import db
from webconsole.models import AuditEvent, Device, User

pytestmark = [
    pytest.mark.committed,  # the server thread reads the test's data through its own connections
    pytest.mark.filterwarnings("ignore:Incydr functionality is deprecated:DeprecationWarning"),  # py42's audit log
]
CODE42 = [os.path.join(os.path.dirname(sys.executable), "code42")]


@pytest.fixture
def authenticator(app, world):
    """The admin enrolled in two-factor sign-in (committed); their authenticator app."""
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        two_factor.start_enrolment(admin)
        secret = two_factor.provisioning(admin, two_factor.record_of(admin))["secret"].replace(" ", "")
        app_ = Authenticator(secret)
        two_factor.confirm_enrolment(admin, app_())
    return app_


def code42(env, *arguments, check=True):
    # stdin is empty: code42cli asks for a code when none was given, and must then stop cleanly.
    done = subprocess.run([*CODE42, *arguments], env={**env, "PYTHONWARNINGS": "ignore"}, capture_output=True,
                          text=True, timeout=120, input="")
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_py42_signs_in_with_the_code_and_works_as_any_administrator(served, world, authenticator, app):
    sdk = py42.sdk.from_local_account(served, "admin@acme.test", PASSWORD, totp=authenticator)
    users = [u for page in sdk.users.get_all() for u in page["users"]]
    assert {u["username"] for u in users} >= {"admin@acme.test", "user@acme.test", "seller@acme.test"}
    orgs = [o for page in sdk.orgs.get_all() for o in page["orgs"]]
    assert {o["orgName"] for o in orgs} == {"Acme", "Engineering", "Platform", "Sales"}
    with app.app_context():
        device_id, guid = db.session.execute(select(Device.id, Device.guid).where(Device.name == "SELLER-LAPTOP")).one()
    assert sdk.devices.get_by_guid(guid)["name"] == "SELLER-LAPTOP"
    sdk.devices.deactivate(device_id)
    sdk.devices.reactivate(device_id)
    with app.app_context():
        assert db.session.scalar(select(Device.status).where(Device.id == device_id)) == "active"
    events = [e for page in sdk.auditlogs.get_all() for e in page["events"]]
    assert {"device.deactivate", "device.reactivate"} <= {e["eventType"] for e in events}


def test_py42_without_or_with_a_wrong_code_is_unauthorized(served, world, authenticator, app):
    with pytest.raises(Py42UnauthorizedError) as missing:
        py42.sdk.from_local_account(served, "admin@acme.test", PASSWORD)
    assert "LoginConfig: LOCAL_2FA" in str(missing.value)
    with pytest.raises(Py42UnauthorizedError):
        py42.sdk.from_local_account(served, "admin@acme.test", PASSWORD, totp="000000x")
    with app.app_context():
        failed = db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == "signin.2fa_failed")).all()
    assert len(failed) == 1  # py42 sends a refused call twice: its resend costs no second failure


def test_code42cli_takes_the_code_for_the_profile_and_each_command(served, world, authenticator, cli_home, app):
    code42(cli_home, "profile", "create", "--name", "local", "--server", served, "--username", "admin@acme.test",
           "--password", PASSWORD, "--totp", authenticator(), "-y")
    listed = list(csv.DictReader(io.StringIO(code42(cli_home, "users", "list", "-f", "CSV",
                                                    "--totp", authenticator()).stdout)))
    assert "seller@acme.test" in {u["username"] for u in listed}
    with app.app_context():
        guid = db.session.scalar(select(Device.guid).where(Device.name == "SELLER-LAPTOP"))
    assert "SELLER-LAPTOP" in code42(cli_home, "devices", "show", guid, "--totp", authenticator()).stdout
    # No code: code42cli asks for one, reads nothing, and stops; a wrong one: its own message.
    missing = code42(cli_home, "users", "list", check=False)
    assert missing.returncode != 0 and "Enter TOTP" in missing.stdout + missing.stderr
    wrong = code42(cli_home, "users", "list", "--totp", "123456" if authenticator.totp.now() != "123456" else "654321",
                   check=False)
    assert wrong.returncode == 1 and "Invalid credentials or TOTP token" in wrong.stdout + wrong.stderr
