"""Signing in through an identity provider: the real OpenID provider (npm's oidc-provider) for the happy
paths, and a small stub provider that signs whatever ID token a test asks for, for each refusal."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from tests.oidc_provider import CLIENT_ID, configure_provider, sign_in_at_provider
from webconsole.extensions import db
from webconsole.models import AuditEvent, Role, User

CALLBACK = "http://localhost/sso/callback"


def _start(client, provider_id, **args):
    answer = client.get(f"/sso/{provider_id}/start", query_string=args)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return answer.headers["Location"]


def _finish(client, url):
    parts = urlsplit(url)
    return client.get(parts.path + "?" + parts.query)


def _failures(app):
    with app.app_context():
        return [e.details["reason"] for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "signin.failed").order_by(AuditEvent.id))]


def test_a_user_signs_in_through_the_real_provider_like_with_a_password(client, world, app, oidc_issuer):
    provider_id = configure_provider(app, world["admin"], [world["eng"]], oidc_issuer)
    url = _start(client, provider_id, next="/devices/")
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    landed = _finish(client, sign_in_at_provider(url, "User@Acme.test", CALLBACK))
    assert landed.status_code == 303 and landed.headers["Location"] == "/devices/"
    assert client.get("/account/profile").status_code == 200
    with app.app_context():
        signin = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "signin"))
        assert signin.actor_username == "user@acme.test" and signin.details == {"door": "sso", "provider": "Acme ID"}
    # The same sessions as a password's: signing out everywhere ends this one.
    assert client.post("/account/sessions/end-all").status_code in (302, 303)
    assert client.get("/account/profile").status_code == 302


def test_unknown_users_are_refused_unless_created_just_in_time(client, world, app, oidc_issuer):
    provider_id = configure_provider(app, world["admin"], [world["eng"]], oidc_issuer)
    refused = _finish(client, sign_in_at_provider(_start(client, provider_id), "new@acme.test", CALLBACK))
    assert refused.status_code == 401 and "No account in the console matches" in refused.get_data(as_text=True)
    assert _failures(app) == ["no such user"]
    with app.app_context():
        desktop = db.session.scalar(select(Role.id).where(Role.key == "desktop_user"))
    other = configure_provider(app, world["admin"], [world["sales"]], oidc_issuer, name="Sales ID",
                               jit_enabled=True, jit_org_id=str(world["sales"]), jit_role_id=str(desktop))
    landed = _finish(client, sign_in_at_provider(_start(client, other), "New@Acme.test", CALLBACK))
    assert landed.status_code == 303 and client.get("/account/profile").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "new@acme.test"))
        assert user.org_id == world["sales"] and [r.key for r in user.roles] == ["desktop_user"]
        assert user.password_hash is None and (user.first_name, user.last_name) == ("Sam", "Single")
        created = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "user.create"))
        assert created.actor_username == "Sales ID (single sign-on)" and created.object_label


@pytest.mark.parametrize("login, setup, reason, shown", [
    ("no-email-user", None, "claim email missing or not a username", "did not say who you are"),
    ("user@acme.test", "block", "account not active", "may not sign in"),
    ("seller@acme.test", None, "user's organization does not use this provider", "not available for your account"),
])
def test_the_real_provider_cannot_sign_in_whom_the_console_refuses(client, world, app, oidc_issuer, login, setup,
                                                                    reason, shown):
    provider_id = configure_provider(app, world["admin"], [world["eng"]], oidc_issuer)
    if setup == "block":
        with app.app_context():
            db.session.get(User, world["user"]).blocked = True
            db.session.commit()
    refused = _finish(client, sign_in_at_provider(_start(client, provider_id), login, CALLBACK))
    assert refused.status_code == 401 and shown in refused.get_data(as_text=True)
    assert _failures(app) == [reason]
    assert client.get("/account/profile").status_code == 302


class StubProvider(ThreadingHTTPServer):
    """Discovery, keys and a token endpoint that answers with the ID token the test describes."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), StubHandler)
        self.issuer = f"http://127.0.0.1:{self.server_port}"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.claims, self.header, self.signing_key, self.algorithm = {}, {"kid": "k1"}, self.key, "RS256"

    def document(self, path):
        if path == "/.well-known/openid-configuration":
            return {"issuer": self.issuer, "authorization_endpoint": self.issuer + "/auth",
                    "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
                    "response_types_supported": ["code"]}
        if path == "/jwks":
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            return {"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}
        if path == "/token":
            token = jwt.encode(self.claims, self.signing_key, algorithm=self.algorithm, headers=self.header)
            return {"access_token": "opaque", "token_type": "Bearer", "id_token": token}
        return None


class StubHandler(BaseHTTPRequestHandler):
    def _answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = self.server.document(urlsplit(self.path).path)
        data = json.dumps(body).encode()
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def stub():
    server = StubProvider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _claims(stub, pending_nonce, **changes):
    now = int(time.time())
    claims = {"iss": stub.issuer, "aud": CLIENT_ID, "sub": "s-1", "email": "user@acme.test", "iat": now,
              "exp": now + 300, "nonce": pending_nonce}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("case, reason", [
    ("valid", None),
    ("wrong nonce", "ID token refused: InvalidTokenError: nonce does not match"),
    ("wrong issuer", "ID token refused: InvalidIssuerError: Invalid issuer"),
    ("expired", "ID token refused: ExpiredSignatureError: Signature has expired"),
    ("wrong audience", "ID token refused: InvalidAudienceError: Audience doesn't match"),
    ("another key", "ID token refused: InvalidSignatureError: Signature verification failed"),
    ("shared secret", "ID token refused: InvalidAlgorithmError: algorithm 'HS256' not accepted"),
    ("no expiry", 'ID token refused: MissingRequiredClaimError: Token is missing the "exp" claim'),
])
def test_an_id_token_is_verified_before_anyone_is_signed_in(client, world, app, stub, case, reason):
    provider_id = configure_provider(app, world["admin"], [world["eng"]], stub.issuer)
    query = parse_qs(urlsplit(_start(client, provider_id)).query)
    state, nonce = query["state"][0], query["nonce"][0]
    stub.claims = _claims(stub, nonce, **{
        "wrong nonce": {"nonce": "another"}, "wrong issuer": {"iss": "https://elsewhere.test"},
        "expired": {"exp": int(time.time()) - 3600}, "wrong audience": {"aud": "someone-else"},
        "no expiry": {"exp": None}}.get(case, {}))
    if case == "another key":
        stub.signing_key = OTHER_KEY
    if case == "shared secret":
        stub.signing_key, stub.algorithm = "a shared secret long enough for HMAC-SHA256!", "HS256"
    answer = client.get("/sso/callback", query_string={"code": "abc", "state": state})
    if reason is None:
        assert answer.status_code == 303 and client.get("/account/profile").status_code == 200
        return
    assert answer.status_code == 401
    assert "could not be verified" in answer.get_data(as_text=True)
    assert _failures(app) == [reason]


def test_a_forged_or_replayed_callback_signs_no_one_in(client, world, app, stub):
    provider_id = configure_provider(app, world["admin"], [world["eng"]], stub.issuer)
    assert client.get("/sso/callback", query_string={"code": "abc", "state": "forged"}).status_code == 401
    state = parse_qs(urlsplit(_start(client, provider_id)).query)["state"][0]
    with client.session_transaction() as session:
        stub.claims = _claims(stub, session["sso_pending"]["nonce"])
    forged = client.get("/sso/callback", query_string={"code": "abc", "state": state + "x"})
    assert forged.status_code == 401 and "expired or was already used" in forged.get_data(as_text=True)
    # The pending sign-in is used up by any answer: the right state afterwards is a replay.
    assert client.get("/sso/callback", query_string={"code": "abc", "state": state}).status_code == 401
    state = parse_qs(urlsplit(_start(client, provider_id)).query)["state"][0]
    refused = client.get("/sso/callback", query_string={"error": "access_denied", "state": state})
    assert refused.status_code == 401 and "did not sign you in" in refused.get_data(as_text=True)
    assert client.get("/account/profile").status_code == 302
    assert _failures(app) == ["state missing or not this browser's"] * 3 + ["provider answered access_denied"]


def test_a_provider_that_is_down_or_disabled_is_a_clear_page(client, world, app):
    down = configure_provider(app, world["admin"], [world["eng"]], "http://127.0.0.1:9")
    answer = client.get(f"/sso/{down}/start")
    assert answer.status_code == 502 and "could not be reached" in answer.get_data(as_text=True)
    disabled = configure_provider(app, world["admin"], [world["sales"]], "http://127.0.0.1:9", enabled=False,
                                  name="Off")
    for path in (f"/sso/{disabled}/start", "/sso/99999999/start"):
        answer = client.get(path)
        assert answer.status_code == 401 and "not available" in answer.get_data(as_text=True)
    client.set_cookie("locale", "fr")
    assert '<html lang="fr">' in client.get(f"/sso/{down}/start").get_data(as_text=True)
    assert _failures(app)[0].startswith("discovery failed")
