"""No input breaks the console: every route, as every role, with hostile query parameters, form fields,
JSON bodies, path values and htmx headers answers without a 5xx, and a refused write stores nothing.

The example budget is small in CI (profile "ci"); run it longer with
`HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/test_hostile_input.py` (see the README).
"""
import hashlib
import json
import os

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from tests import isolation
from tests.conftest import PASSWORD, base_config
from tests.hostile import DEEP_JSON, HOSTILE_NAMES, RAW_JSON, RouteMap, hostile_text, json_values, path_strategy
from webconsole import create_app
from webconsole.blueprints.agent_api.payloads import Registration
from webconsole.demo.data import DEMO_SIGNINS, load_demo
from webconsole.domain import agents, connections
from webconsole.domain.passwords import hash_password
from webconsole.domain.permissions import BUILTIN_ROLES, role_by_key
from webconsole.extensions import db
from webconsole.models import Org, User

_COMMON = dict(database=None, deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
# CI: a fixed, small budget (the same examples every run); "long": as many as you have patience for.
settings.register_profile("ci", max_examples=3, derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "300")), **_COMMON)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
BUDGET = settings.get_profile(PROFILE).max_examples

# The role of each demo sign-in, plus the one built-in role the demo has no sign-in for.
ACTORS = {role: username for username, _f, _l, role, _o in DEMO_SIGNINS}
ACTORS["insider_risk_analyst"] = "analyst2@example.com"
ACTORS["anonymous"] = None
PERMISSIONS = {r.key: r.permissions for r in BUILTIN_ROLES}
# Tables a refused request may write on purpose: refusals are audited and counted, sign-in attempts
# are remembered, exports note their progress.
BOOKKEEPING = {"audit_events", "signin_attempts", "export_progress"}
INGEST_BOOKKEEPING = BOOKKEEPING | {"data_connections", "data_connection_errors"}
# Keys of the JSON bodies the JSON doors read.
JSON_KEYS = {"registration_key", "username", "password", "os", "hostname", "name", "os_version", "agent_version",
             "address", "backup", "destination_guid", "selected_files", "selected_bytes", "archive_bytes",
             "percent_complete", "last_backup", "last_completed_backup", "output", "exit_status", "events",
             "eventId", "eventTimestamp", "fileName", "filePath", "widths", "line"}

# Parameters whose 500s are known and owned elsewhere, reported as xfail with the reason; any other 500
# fails. Empty: every list filter is typed by its listing and refuses hostile values by name.
KNOWN_FAILURES = {}
# The values of the list, each sent in every parameter a route takes (explicit examples, run in CI).
EVERY_PARAMETER = ["²", str(2**63), "9" * 40, "9999-12-31", "0001-01-01", "9999-12-31T23:59:59-14:00",
                   "0001-01-01T00:00:00+14:00", "NaN", "1e400", "a\x00b"]
EXPLICIT_JSON = [DEEP_JSON, "[1, 2]", "1e400", str(2**70)]

_RULES = sorted((r for r in create_app(base_config("sqlite://")).url_map.iter_rules() if r.endpoint != "static"),
                key=lambda r: (r.rule, r.endpoint))


def _cases():
    """(actor, endpoint) pairs: every browser route as every role and signed out; the machine doors once."""
    cases = set()
    for rule in _RULES:
        if rule.endpoint.startswith("agent_api."):
            cases |= {("device", rule.endpoint), ("anonymous", rule.endpoint)}
        elif rule.endpoint.startswith("ingest."):
            cases |= {("sender", rule.endpoint), ("anonymous", rule.endpoint)}
        else:
            cases |= {(actor, rule.endpoint) for actor in ACTORS}
    return [pytest.param(a, e, id=f"{a}-{e}") for a, e in sorted(cases)]


def _known_failure(req):
    """The reason a request is a known failure owned elsewhere, or None."""
    if req["method"] != "GET":
        return None
    kind, body = req["body"]
    names = [n for n, _v in req["query"]] + ([n for n, _v in body] if kind == "form" else [])
    return next((KNOWN_FAILURES[n] for n in names if n in KNOWN_FAILURES), None)


def _explicit(rule, routes):
    """Requests every case of `rule` tries first: each value of the issue's list in every parameter, and
    JSON bodies of the wrong kinds, at a URL seen on a page."""
    path = routes.example_path(rule)
    if path is None:
        return []
    names = sorted(routes.names.get(rule.endpoint, {})) or ["q"]
    method = "POST" if "POST" in rule.methods else "GET"
    base = {"method": method, "path": path, "query": (), "headers": {}}
    found = [{**base, "body": ("form", tuple((n, v) for n in names))} for v in EVERY_PARAMETER]
    if method == "POST":
        keys = sorted(set(names) | {"line", "widths", "events", "backup", "password", "name"})
        found += [{**base, "body": ("json", body)} for body in EXPLICIT_JSON]
        found.append({**base, "body": ("json", json.dumps({k: [1, {"a": None}] for k in keys}))})
    found.append({**base, "body": ("form", ()), "headers": {"HX-Request": "true", "HX-Current-URL": "http://[::1"}})
    return found


@pytest.fixture(scope="module")
def console(database_url):
    """A small demo console, its map of routes, and a signed-in client per role."""
    app = create_app(base_config(database_url))
    with app.app_context():
        load_demo(PASSWORD, users=12, devices=14, events=40)
        org = db.session.scalar(select(Org).where(Org.parent_id.is_(None)))
        analyst = User(username=ACTORS["insider_risk_analyst"], email=ACTORS["insider_risk_analyst"],
                       password_hash=hash_password(PASSWORD), org_id=org.id)
        analyst.roles.append(role_by_key("insider_risk_analyst"))
        db.session.add(analyst)
        db.session.commit()
        admin = db.session.scalar(select(User).where(User.username == ACTORS["cloud_admin"]))
        device, secret = agents.register_device(Registration(
            registration_key=org.registration_key, username=admin.username, password=PASSWORD,
            os="linux", hostname="hostile-probe"), "127.0.0.1")
        connection, token = connections.create_connection(admin, name="Hostile probe", kind="gmail")
        credentials = {"device": {"Authorization": f"Device {device.guid}:{secret}"},
                       "sender": {"Authorization": f"Bearer {token}"}}
        known = {"registration_key": org.registration_key, "username": admin.username, "password": PASSWORD,
                 "os": "linux", "hostname": "probe", "key": connection.key}
    routes = _learn_routes(app)
    routes.args.setdefault("ingest.events", {})["key"] = {known["key"]}
    yield {"app": app, "routes": routes, "credentials": credentials, "known": known, "cookies": {}}
    with app.app_context():
        isolation.empty_database()


def _learn_routes(app):
    """Open every page the Customer Cloud Admin reaches, following links two levels deep."""
    routes = RouteMap(app)
    client = app.test_client()
    client.post("/auth/signin", data={"username": ACTORS["cloud_admin"], "password": PASSWORD})
    queue = [r.rule for r in _RULES if "GET" in r.methods and not r.arguments]
    seen = set()
    for _ in range(3):
        following = []
        for url in queue:
            if url in seen or "export" in url:
                continue
            seen.add(url)
            response = client.get(url, headers={"HX-Request": "true"} if url.endswith(("/rows", "/count")) else {})
            if response.status_code == 200 and response.mimetype == "text/html":
                following += [link for method, link in routes.learn(response.get_data(as_text=True)) if method == "GET"]
        queue = following
    return routes


def _signed_in(console, actor):
    """A test client signed in as `actor`, repairing the account first if a hostile write changed it."""
    app = console["app"]
    client = app.test_client()
    if actor in ("anonymous", "device", "sender"):
        return client
    username = ACTORS[actor]
    cookie = console["cookies"].get(actor)
    if cookie:
        client.set_cookie("session", cookie)
        return client
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.execute(update(User).where(User.id == user.id).values(
            password_hash=hash_password(PASSWORD), status="active", blocked=False))
        db.session.execute(update(Org).where(Org.id == user.org_id).values(status="active"))
        if role_by_key(actor) not in user.roles:
            user.roles.append(role_by_key(actor))
        db.session.commit()
    client.post("/auth/signin", data={"username": username, "password": PASSWORD})
    console["cookies"][actor] = client.get_cookie("session").value
    return client


def _fingerprint(app, bookkeeping):
    """A digest of every stored row outside the bookkeeping tables."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name not in bookkeeping:
                for row in db.session.execute(select(table).order_by(*table.primary_key.columns)):
                    digest.update(repr(tuple(row)).encode())
        db.session.rollback()
    return digest.hexdigest()


def _request(rule, routes, known):
    """A request strategy for `rule`: a URL, hostile parameters, a body of some kind, htmx headers."""
    names = routes.names.get(rule.endpoint, {})
    name_strategy = st.sampled_from(sorted(names) + HOSTILE_NAMES) if names else st.sampled_from(HOSTILE_NAMES)

    def value_for(name):
        ordinary = sorted(names.get(name, ())) + ([known[name]] if name in known else [])
        return st.one_of(st.sampled_from(ordinary), hostile_text()) if ordinary else hostile_text()

    fields = st.lists(name_strategy, max_size=6).flatmap(
        lambda chosen: st.tuples(*[st.tuples(st.just(n), value_for(n)) for n in chosen]))
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    json_body = st.one_of(json_values(JSON_KEYS).map(lambda v: json.dumps(v)), st.sampled_from(RAW_JSON))
    body = st.one_of(st.tuples(st.just("form"), fields), st.tuples(st.just("json"), json_body))
    headers = st.fixed_dictionaries({}, optional={
        "HX-Request": st.sampled_from(["true", "false", "\x00"]),
        "HX-Current-URL": st.one_of(hostile_text(), st.sampled_from(["http://[::1", "http://x:99999/", "::::",
                                                                     "http://localhost/forensic-search/?f0=²"])),
        "HX-Target": hostile_text(), "Accept": st.sampled_from(["application/json", "text/html", "*/*"]),
    }).map(lambda h: {k: _header_value(v) for k, v in h.items()})
    return st.fixed_dictionaries({
        "method": st.sampled_from(methods), "path": path_strategy(rule, routes.args.get(rule.endpoint, {})),
        "query": fields, "body": body, "headers": headers})


def _header_value(value):
    """Header values travel as bytes; line breaks cannot travel at all (the HTTP layer refuses them)."""
    return value.replace("\r", "").replace("\n", "").encode("utf-8").decode("latin-1")


def _send(client, req, credentials):
    """Send one drawn request and return the response."""
    headers = {**req["headers"], **credentials}
    query = MultiDict(list(req["query"]))
    kind, payload = req["body"]
    if req["method"] == "GET":
        if kind == "form":
            query.update(MultiDict(list(payload)))
        return client.get(req["path"], query_string=query, headers=headers)
    if kind == "json":
        return client.post(req["path"], query_string=query, data=payload.encode("utf-8", "surrogatepass"),
                           content_type="application/json", headers=headers)
    return client.post(req["path"], query_string=query, data=MultiDict(list(payload)), headers=headers)


@pytest.mark.parametrize("actor, endpoint", _cases())
def test_no_input_breaks_a_route(console, actor, endpoint):
    """Hostile input anywhere answers below 500, and a refused write leaves every stored row as it was."""
    app, routes = console["app"], console["routes"]
    rule = next(r for r in _RULES if r.endpoint == endpoint)
    view = app.view_functions[endpoint]
    allowed = actor in ("device", "sender") or getattr(view, "permission", None) in ("public", "signed_in") \
        or getattr(view, "permission", None) in PERMISSIONS.get(actor, ())
    # A role without the permission is stopped at the door: one example shows that it still is.
    budget = BUDGET if allowed else 1
    credentials = console["credentials"].get(actor, {})
    bookkeeping = INGEST_BOOKKEEPING if endpoint.startswith("ingest.") else BOOKKEEPING
    known = []

    @settings(settings.get_profile(PROFILE), max_examples=budget,
              phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])
    @given(req=_request(rule, routes, console["known"]))
    def probe(req):
        client = _signed_in(console, actor)
        before = _fingerprint(app, bookkeeping) if req["method"] == "POST" else None
        try:
            response = _send(client, req, credentials)
        except Exception:
            if _known_failure(req) is None:
                raise
            known.append(_known_failure(req))
            return
        assert response.status_code < 500, f"{req['method']} {req['path']} answered {response.status_code}"
        if before is not None and response.status_code >= 400:
            assert _fingerprint(app, bookkeeping) == before, f"refused {req['path']} still changed stored rows"
        if req["method"] == "POST" and response.status_code < 400:
            console["cookies"].pop(actor, None)  # the write may have signed the actor out or changed them

    # The first role that may use a route also tries the explicit values (once per route is enough: the
    # parsing is the same for every role; the scope is what differs, and random examples cover that).
    if allowed and actor == _first_allowed(app, endpoint):
        for req in _explicit(rule, routes):
            probe = example(req=req)(probe)
    probe()
    if known:
        pytest.xfail(known[0])


def _first_allowed(app, endpoint):
    """The actor that tries a route's explicit examples."""
    permission = getattr(app.view_functions[endpoint], "permission", None)
    if endpoint.startswith("agent_api."):
        return "device"
    if endpoint.startswith("ingest."):
        return "sender"
    if permission == "public":
        return "anonymous"
    return "cloud_admin"
