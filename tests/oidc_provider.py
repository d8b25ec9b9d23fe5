"""A real OpenID Connect provider for the single sign-on tests: npm's oidc-provider run by Node
(tests/oidc/provider.mjs), on a loopback port, and a way to sign in on its login form without a browser."""
import os
import re
import subprocess
from contextlib import contextmanager
from urllib.parse import urljoin

import requests

from tests.polling import wait_for

FOLDER = os.path.join(os.path.dirname(__file__), "oidc")
CLIENT_ID, CLIENT_SECRET = "webconsole", "webconsole-test-secret"


@contextmanager
def running_provider(redirect_uris):
    """Start the provider with one client (CLIENT_ID, CLIENT_SECRET) for `redirect_uris`; yield its issuer."""
    if not os.path.isdir(os.path.join(FOLDER, "node_modules", "oidc-provider")):
        raise RuntimeError("tests/oidc has no node_modules: run `make install-test` (npm ci in tests/oidc)")
    env = {**os.environ, "OIDC_PORT": "0", "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
           "OIDC_REDIRECT_URIS": ",".join(redirect_uris)}
    process = subprocess.Popen(["node", "provider.mjs"], cwd=FOLDER, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        issuer = re.search(r"listening on (\S+)", process.stdout.readline() or "")
        assert issuer, "the OpenID provider did not start"
        issuer = issuer.group(1)

        def answers():
            try:
                return requests.get(issuer + "/.well-known/openid-configuration", timeout=2).ok
            except requests.RequestException:
                return False

        wait_for(answers, timeout=30, what="the OpenID provider's discovery document")
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def sign_in_at_provider(authorization_url, login, stop_at):
    """Follow the provider from `authorization_url` through its login form as `login`; the address it
    finally sends the browser to (starting with `stop_at`, the console's callback)."""
    browser = requests.Session()
    url = authorization_url
    for _ in range(10):
        answer = browser.get(url, allow_redirects=False, timeout=10)
        if answer.is_redirect:
            url = urljoin(url, answer.headers["Location"])
        else:
            action = re.search(r'<form[^>]*action="([^"]+)"[^>]*>\s*<input type="hidden" name="prompt" value="login"',
                               answer.text)
            assert action, answer.text[-1500:]
            answer = browser.post(urljoin(url, action.group(1)),
                                  data={"prompt": "login", "login": login, "password": "any"},
                                  allow_redirects=False, timeout=10)
            url = urljoin(url, answer.headers["Location"])
        if url.startswith(stop_at):
            return url
    raise AssertionError("the provider never sent the browser back")


def configure_provider(app, admin_id, org_ids, issuer, enabled=True, **fields):
    """A provider for `org_ids` saved (and enabled) through the domain by the admin; its id."""
    from webconsole.domain import sso_providers
    from webconsole.extensions import db
    from webconsole.models import User

    with app.app_context():
        admin = db.session.get(User, admin_id)
        values = {"name": "Acme ID", "issuer": issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                  "scopes": "openid email profile", "username_claim": "email",
                  "org_ids": [str(i) for i in org_ids], **fields}
        provider = sso_providers.save_provider(admin, None, **values)
        if enabled:
            sso_providers.set_enabled(admin, provider, True)
        return provider.id
