"""The Code42 clients and single sign-on: a user whose org signs in through an identity provider is a
CLOUD_SSO user, whom py42 declines to sign in with a password (as it does against the original)."""
import py42.sdk
import pytest
from py42.exceptions import Py42Error

from tests.conftest import PASSWORD
from tests.oidc_provider import configure_provider

pytestmark = pytest.mark.committed  # the server thread reads the test's data through its own connections


def test_login_configuration_answers_cloud_sso_for_a_user_of_a_single_sign_on_org(served, world, app):
    configure_provider(app, world["admin"], [world["eng"]], "https://login.acme.test")
    sdk = py42.sdk.from_local_account(served, "admin@acme.test", PASSWORD)
    assert sdk.loginconfig.get_for_user("user@acme.test")["loginType"] == "CLOUD_SSO"  # Platform, under Engineering
    assert sdk.loginconfig.get_for_user("USER@acme.test")["loginType"] == "CLOUD_SSO"
    assert sdk.loginconfig.get_for_user("seller@acme.test")["loginType"] == "LOCAL"
    assert sdk.loginconfig.get_for_user("nobody@acme.test")["loginType"] == "LOCAL_2FA"  # tells no one who exists
    with pytest.raises(Py42Error, match="SSO users are not supported"):
        py42.sdk.from_local_account(served, "user@acme.test", PASSWORD)
