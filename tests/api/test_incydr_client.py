"""The unmodified incydr SDK (`incydr.Client`, and its command line) against the console over HTTP on loopback:
users, roles, devices, agents, file events, alerts and the audit log through the Incydr API, with an API
client's roles and scope; bad, revoked and expired credentials end in the SDK's own clean errors."""
import json
import os
import subprocess
import sys
import time
import warnings

import jwt
import py42.sdk
import pytest
import requests
from py42.exceptions import Py42UnauthorizedError
from sqlalchemy import select

from tests.api.conftest import load_crowd
from tests.domain.test_legal_hold import hold  # noqa: F401 (fixture)
from webconsole.domain import api_clients
from webconsole.extensions import db
from webconsole.models import Alert, AuditEvent, Device, Role, User

with warnings.catch_warnings():  # the SDK's models use pydantic 1 idioms that pydantic 2 warns about on import
    warnings.simplefilter("ignore", DeprecationWarning)
    import incydr
    from _incydr_sdk.file_events.client import InvalidQueryException
    from incydr import AlertQuery, EventQuery

pytestmark = [
    pytest.mark.committed,  # the server thread reads the test's data through its own connections
    # The SDK marks its devices and alerts clients deprecated (replaced by agents and sessions), and says so.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
MANY = 120  # past the SDK's page of 100
INCYDR = [os.path.join(os.path.dirname(sys.executable), "incydr")]


@pytest.fixture
def crowd(app, hold):  # noqa: F811
    """MANY more users in Platform and one device each, loaded in bulk."""
    load_crowd(app, hold["platform"], MANY)
    return hold


def api_client(app, ids, roles=("cloud_admin",), org="root", name="Incydr sync"):
    """(client id, secret) of a new API client with these roles, reaching from this org."""
    with app.app_context():
        admin = db.session.get(User, ids["admin"])
        role_ids = [db.session.scalar(select(Role.id).where(Role.key == key)) for key in roles]
        client, secret = api_clients.create_client(admin, name=name, org_id=ids[org], role_ids=role_ids)
        return client.client_id, secret


def sdk(served, credentials):
    client_id, secret = credentials
    return incydr.Client(url=served, api_client_id=client_id, api_client_secret=secret)


def uid_of(app, username):
    with app.app_context():
        return db.session.scalar(select(User.uid).where(User.username == username))


def status_of(raised):
    return raised.value.response.status_code


def test_users_roles_and_devices_page_past_one_page(served, crowd, app):
    client = sdk(served, api_client(app, crowd))
    users = list(client.users.v1.iter_all(page_size=100))
    assert len(users) == len({u.user_id for u in users}) == MANY + 7
    assert all(u.legacy_user_id.isdigit() and u.org_guid for u in users)
    seller = client.users.v1.get_user("seller@acme.test")
    assert client.users.v1.get_user(seller.user_id).username == "seller@acme.test"
    assert seller.org_name == "Sales" and seller.active and not seller.blocked
    assert [u.username for u in client.users.v1.get_page(username="nobody@acme.test").users] == []
    assert client.users.v1.get_page(blocked=True).users == []
    assert client.users.v1.get_page(active=True, page_size=5).total_count == MANY + 7
    roles = {r.role_id: r for r in client.users.v1.list_roles()}
    assert {"cloud_admin", "desktop_user"} <= set(roles) and roles["desktop_user"].permissions
    assert [r.role_id for r in client.users.v1.list_user_roles(seller.user_id)] == ["desktop_user"]
    changed = client.users.v1.add_roles(seller.user_id, "help_desk")
    assert changed.newly_assigned_roles_ids == ["help_desk"]
    assert {r.role_id for r in client.users.v1.list_user_roles(seller.user_id)} == {"desktop_user", "help_desk"}
    client.users.v1.remove_roles(seller.user_id, "help_desk")
    devices = list(client.devices.v1.iter_all(page_size=100))
    assert len(devices) == len({d.device_id for d in devices}) == MANY + 3
    laptop = next(d for d in devices if d.name == "SELLER-LAPTOP")
    assert laptop.user_id == seller.user_id and laptop.os_hostname == "seller-laptop"
    assert client.devices.v1.get_device(laptop.device_id).legacy_device_id == laptop.legacy_device_id
    names = [d.name for d in client.devices.v1.get_page(page_size=5, sort_dir="desc", sort_key="name").devices]
    assert set(names[:2]) == {"USER-LAPTOP", "User Mac"} and names[2:4] == ["SELLER-LAPTOP", "CROWD-0119"]
    assert [d.name for d in client.users.v1.get_devices(seller.user_id).devices] == ["SELLER-LAPTOP"]
    agents = list(client.agents.v1.iter_all())
    assert len(agents) == MANY + 3 and client.agents.v1.get_agent(laptop.device_id).name == "SELLER-LAPTOP"


def test_users_move_activate_and_a_custodian_is_not_deactivated(served, crowd, app):
    client = sdk(served, api_client(app, crowd))
    held, seller = uid_of(app, "user@acme.test"), uid_of(app, "seller@acme.test")
    with pytest.raises(requests.HTTPError) as refused:
        client.users.v1.deactivate(held)
    assert status_of(refused) == 400 and refused.value.response.json()["error"]["name"] == "ACTIVE_LEGAL_HOLD"
    client.users.v1.deactivate(seller)
    assert not client.users.v1.get_user(seller).active
    assert [u.username for u in client.users.v1.iter_all(active=False)] == ["seller@acme.test"]
    client.users.v1.activate(seller)
    eng = client.users.v1.get_user("orgadmin@acme.test").org_guid
    client.users.v1.move(seller, eng)
    assert client.users.v1.get_user(seller).org_name == "Engineering"
    with pytest.raises(requests.HTTPError) as refused:
        client.users.v1.move(seller, "no-such-org")
    assert status_of(refused) == 400
    with app.app_context():
        moved = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "user.move"))
        assert moved.actor_username == "Incydr sync (API client)"
        laptop = db.session.scalar(select(Device).where(Device.name == "SELLER-LAPTOP"))
        assert laptop.org.name == "Engineering"  # a user's devices move with them


def test_an_org_scoped_client_sees_only_its_subtree(served, crowd, app):
    client = sdk(served, api_client(app, crowd, roles=("org_admin",), org="eng", name="Eng sync"))
    users = list(client.users.v1.iter_all())
    assert len(users) == MANY + 2 and {u.org_name for u in users} == {"Engineering", "Platform"}
    with pytest.raises(requests.HTTPError) as refused:
        client.users.v1.get_user(uid_of(app, "seller@acme.test"))
    assert status_of(refused) == 404
    assert client.users.v1.get_page(username="seller@acme.test").users == []
    devices = list(client.devices.v1.iter_all())
    assert len(devices) == MANY + 2 and "SELLER-LAPTOP" not in {d.name for d in devices}
    with pytest.raises(requests.HTTPError) as refused:  # an Org Admin neither searches events nor reads the audit
        client.file_events.v2.search(EventQuery(start_date="P1D"))
    assert status_of(refused) == 403
    with pytest.raises(requests.HTTPError) as refused:
        list(client.audit_log.v1.iter_all())
    assert status_of(refused) == 403


def test_file_events_are_searched_and_paged_by_token(served, hold, app):  # noqa: F811
    from tests.domain.test_cases import store_events
    with app.app_context():
        store_events(hold["user_laptop"], [f"plan-{n:02d}.docx" for n in range(23)])
        store_events(hold["seller_laptop"], ["pricing.xlsx", "<script>x</script>.pdf"])
    client = sdk(served, api_client(app, hold))
    query = EventQuery(start_date="P2D").equals("user.email", ["user@acme.test", "seller@acme.test"])
    query.page_size = 10
    seen, pages = [], 0
    while True:
        page = client.file_events.v2.search(query)
        seen += page.file_events
        pages += 1
        if query.page_token is None:  # the SDK copies the answer's nextPgToken; null after the last page
            break
    assert pages == 3 and len(seen) == len({e.event.id for e in seen}) == 25 and page.total_count == 25
    assert all(e.file.url is None and e.file.name for e in seen)
    # Nested subgroups, as the Incydr API takes them (EventQuery.subquery builds them, but SDK 2.12.6 serialises
    # each as {}, which filters nothing here: sent by hand through the SDK's own signed-in session).
    names = {"filterClause": "OR", "filters": [{"term": "file.name", "operator": "IS", "value": name}
                                               for name in ("plan-07.docx", "pricing.xlsx")]}
    either = {"groupClause": "AND", "groups": [
        {"filterClause": "AND", "filters": [{"term": "@timestamp", "operator": "WITHIN_THE_LAST", "value": "PT36H"}]},
        {"subgroupClause": "OR", "subgroups": [names, {"subgroupClause": "AND", "subgroups": []}]}, {}],
        "pgNum": 1, "pgSize": 100, "pgToken": "", "srtDir": "asc", "srtKey": "event.id"}
    found = client.session.post("/v2/file-events", json=either).json()["fileEvents"]
    assert sorted(e["file"]["name"] for e in found) == ["plan-07.docx", "pricing.xlsx"]
    assert {e["user"]["email"] for e in found} == {"user@acme.test", "seller@acme.test"}
    unsortable = EventQuery(start_date="P2D")
    unsortable.sort_key = "file.name"
    with pytest.raises(InvalidQueryException) as refused:  # a refused query: a 400 whose body has `problems`
        client.file_events.v2.search(unsortable)
    assert "problems" in refused.value.original_exception.response.json()


def test_alerts_are_searched_detailed_and_changed(served, hold, app):  # noqa: F811
    from datetime import timedelta

    from tests.domain.test_cases import make_alert, store_events
    with app.app_context():
        ids = store_events(hold["user_laptop"], ["roadmap.pdf", "salaries.xlsx"])
        for n in range(7):
            make_alert(hold["user"], ids, name=f"USB copies {n}", severity="high" if n % 2 else "critical")
    client = sdk(served, api_client(app, hold, roles=("insider_risk_analyst",), name="SIEM"))
    client.file_events.v2.search(EventQuery(start_date="P1D"))  # the SDK reads its tenant from a token it holds
    query = AlertQuery(start_date=timedelta(days=1)).equals("State", "OPEN")
    query.page_size = 3
    found = list(client.alerts.v1.iter_all(query))
    assert len(found) == 7 and {a.actor for a in found} == {"user@acme.test"}
    assert {a.tenant_id for a in found} == {client.tenant_id}
    assert len(client.alerts.v1.search(AlertQuery().equals("RiskSeverity", "CRITICAL")).alerts) == 4
    assert client.alerts.v1.search(AlertQuery().equals("ActorId", uid_of(app, "user@acme.test"))).total_count == 7
    [details] = client.alerts.v1.get_details(found[0].id)
    assert {f["name"] for f in details.observations[0].data["files"]} == {"roadmap.pdf", "salaries.xlsx"}
    client.alerts.v1.change_state([a.id for a in found[:2]], "IN_PROGRESS", note="Looking into it")
    client.alerts.v1.add_note(found[0].id, "Manager confirmed")
    with pytest.raises(requests.HTTPError) as refused:  # resolving needs a reason, as in the console
        client.alerts.v1.change_state(found[2].id, "RESOLVED")
    assert status_of(refused) == 400
    assert client.alerts.v1.search(AlertQuery().equals("State", "IN_PROGRESS")).total_count == 2
    with app.app_context():
        assert db.session.scalar(select(Alert.state).where(Alert.id == int(found[2].id))) == "open"


def test_the_audit_log_is_paged_and_filtered(served, hold, app):  # noqa: F811
    from datetime import datetime, timedelta, timezone
    credentials = api_client(app, hold)
    client = sdk(served, credentials)
    seller = uid_of(app, "seller@acme.test")
    client.users.v1.deactivate(seller)
    client.users.v1.activate(seller)
    begin = datetime.now(timezone.utc) - timedelta(hours=1)
    events = list(client.audit_log.v1.iter_all(start_time=begin, page_size=2))
    kinds = [e["eventType"] for e in events]
    assert {"user.deactivate", "user.reactivate", "api_client.create"} <= set(kinds) and len(kinds) > 4
    mine = list(client.audit_log.v1.iter_all(user_types="API_CLIENT"))
    assert {e["eventType"] for e in mine} == {"user.deactivate", "user.reactivate"}
    assert {e["actorName"] for e in mine} == {"Incydr sync (API client)"}
    assert [e["eventType"] for e in client.audit_log.v1.iter_all(resource_ids=seller, event_types="user.deactivate")
            ] == ["user.deactivate"]
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    assert list(client.audit_log.v1.iter_all(start_time=later)) == []


def test_bad_revoked_and_expired_credentials_are_clean_http_errors(served, hold, app):  # noqa: F811
    client_id, secret = api_client(app, hold)
    with pytest.raises(requests.HTTPError) as refused:
        sdk(served, (client_id, "not the secret")).users.v1.get_page()
    assert status_of(refused) == 401
    client = sdk(served, (client_id, secret))
    assert client.users.v1.get_page().total_count == 7
    auth = client.session.auth
    # Expired on the server while the SDK still counts it valid (it renews only after expires_in): the call
    # fails with a clean 401; it does not retry by itself.
    auth.token_response.access_token = type(auth.token_response.access_token)(_expired_token(app, client_id))
    with pytest.raises(requests.HTTPError) as refused:
        client.users.v1.get_page()
    assert status_of(refused) == 401 and refused.value.response.json()["error"]["code"] == "auth.required"
    # Expired by the SDK's own clock: it signs in again before the call, which succeeds.
    auth.token_response._init_time = auth.token_response._init_time.replace(year=2000)
    assert client.users.v1.get_page().total_count == 7
    with app.app_context():
        api_clients.revoke(db.session.get(User, hold["admin"]), db.session.scalar(
            select(api_clients.ApiClient).where(api_clients.ApiClient.client_id == client_id)))
    with pytest.raises(requests.HTTPError) as refused:  # the token it holds stops at once
        client.users.v1.get_page()
    assert status_of(refused) == 401
    with pytest.raises(requests.HTTPError) as refused:
        sdk(served, (client_id, secret)).users.v1.get_page()
    assert status_of(refused) == 401


def _expired_token(app, client_id):
    """A token for this client signed with the server's own key, which expired a minute ago."""
    with app.app_context():
        now = int(time.time())
        return jwt.encode({"sub": client_id, "tenantUid": api_clients.tenant_uid(), "iat": now - 960,
                           "exp": now - 60}, api_clients._key(), algorithm="HS256")


def test_py42_signs_in_again_after_an_expired_token(served, hold, app):  # noqa: F811
    client_id, secret = api_client(app, hold)
    legacy = py42.sdk.from_api_client(served, client_id, secret)
    auth = legacy.users._connection._auth
    auth._credentials = f"Bearer {_expired_token(app, client_id)}"
    # py42 answers a 401 by fetching a new token and sending the request again: the script never notices.
    assert legacy.users.get_page(1)["totalCount"] == 7
    assert auth._credentials != f"Bearer {_expired_token(app, client_id)}"
    with pytest.raises(Py42UnauthorizedError):
        py42.sdk.from_api_client(served, client_id, "not the secret")


def test_the_incydr_command_line_lists_users_and_devices(served, hold, app, tmp_path):  # noqa: F811
    client_id, secret = api_client(app, hold)
    env = {**os.environ, "HOME": str(tmp_path), "INCYDR_URL": served, "INCYDR_API_CLIENT_ID": client_id,
           "INCYDR_API_CLIENT_SECRET": secret, "NO_PROXY": "127.0.0.1,localhost", "PYTHONWARNINGS": "ignore"}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(name, None)

    def run(*arguments):
        done = subprocess.run([*INCYDR, *arguments], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    users = run("users", "list", "-f", "json-lines")
    assert {u["username"] for u in users} >= {"admin@acme.test", "seller@acme.test"} and len(users) == 7
    assert {d["name"] for d in run("devices", "list", "-f", "json-lines")} == {"USER-LAPTOP", "User Mac",
                                                                               "SELLER-LAPTOP"}


BIG = 10**25  # a 26-digit integer: past any column
HOSTILE_GETS = ["/v1/users?page=" + "9" * 25, "/v1/users?pageSize=NaN", "/v1/users?username=a%00b",
                "/v1/users?active=maybe", "/v1/users?pageSize=0", "/v1/devices?sortKey=size",
                "/v1/devices?sortDirection=%00", "/v1/devices?page=-1", "/v1/agents?serialNumber=x",
                "/v1/agents?srtDir=sideways", "/v1/agents?userId=" + "x" * 300]
HOSTILE_POSTS = {
    "/v2/file-events": [{"pgSize": BIG}, {"pgToken": None, "pgNum": BIG}, {"pgSize": float("nan")},
                        {"groups": "x"}, {"groups": [{"subgroups": "x"}]}, {"srtKey": ["event.id"]},
                        {"pgToken": ["x"]}, {"pgToken": "forged"}, {"groupClause": {"x": 1}},
                        {"groups": [{"filters": [{"term": "file.name", "operator": "IS", "value": "a\x00b"}]}]},
                        {"groups": [{"filters": [{"term": "@timestamp", "operator": "WITHIN_THE_LAST",
                                                  "value": "P99999999D"}]}]},
                        {"groups": [{"filters": [{"term": "@timestamp", "operator": "WITHIN_THE_LAST",
                                                  "value": ["P1D"]}]}]},
                        {"groups": [{"filters": [{"term": "file.sizeInBytes", "operator": "GREATER_THAN",
                                                  "value": BIG}]}]}],
    "/v1/audit/search-audit-log": [{"page": BIG}, {"dateRange": {"startTime": float("nan")}},
                                   {"dateRange": {"startTime": 1e300}}, {"dateRange": ["x"]},
                                   {"userTypes": ["ROOT"]}, {"resourceIds": "x"}, {"actorNames": [["x"]]}],
    "/v1/alerts/query-alerts": [{"pgNum": BIG}, {"pgSize": float("nan")}, {"srtDirection": ["x"]},
                                {"groups": [{"filters": [{"term": "State", "operator": "IS", "value": ["OPEN"]}]}]},
                                {"groups": [{"filters": [{"term": "CreatedAt", "operator": "ON", "value": "x"}]}]}],
    "/v1/alerts/update-state": [{"alertIds": "1", "state": "OPEN"}, {"alertIds": ["1"], "state": ["OPEN"]}],
}


def _nested(depth):
    group = {"filterClause": "AND", "filters": [{"term": "file.name", "operator": "IS", "value": "x"}]}
    for _ in range(depth):
        group = {"subgroupClause": "AND", "subgroups": [group]}
    return {"groups": [group], "pgToken": ""}


def test_hostile_values_are_precise_json_400s(served, hold, app):  # noqa: F811
    client_id, secret = api_client(app, hold)
    token = requests.post(served + "/v1/oauth", auth=(client_id, secret), timeout=30).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}

    def refused(answer, what):
        assert answer.status_code == 400, (what, answer.status_code, answer.text[:300])
        assert answer.headers["Content-Type"].startswith("application/json"), what
        found = answer.json()
        assert found.get("problems") or found["error"]["message"], what

    for path in HOSTILE_GETS:
        refused(requests.get(served + path, headers=bearer, timeout=30), path)
    for path, bodies in HOSTILE_POSTS.items():
        for value in bodies:
            refused(requests.post(served + path, data=json.dumps(value), headers=bearer, timeout=30), (path, value))
        for raw in ("{" * 100_000, "[1, 2]", '"x"', "1e400", str(2**70)):
            refused(requests.post(served + path, data=raw, headers=bearer, timeout=30), (path, raw[:10]))
    refused(requests.post(served + "/v2/file-events", json=_nested(12), headers=bearer, timeout=30), "deep")
    assert requests.post(served + "/v2/file-events", json=_nested(3), headers=bearer, timeout=30).status_code == 200
    seller = uid_of(app, "seller@acme.test")
    for value in ({"roleIds": "desktop_user"}, {"roleIds": [1]}, {"roleIds": ["no_such_role"]}):
        refused(requests.put(f"{served}/v1/users/{seller}/roles", json=value, headers=bearer, timeout=30), value)
    for value in ({"orgGuid": ["x"]}, {"orgGuid": "a\x00b"}, {"orgGuid": "x" * 300}):
        refused(requests.post(f"{served}/v1/users/{seller}/move", json=value, headers=bearer, timeout=30), value)
    for path in ("/v1/users/%00", "/v1/users/" + "9" * 25, "/v1/devices/" + "x" * 300, "/v1/users/roles/nobody"):
        answer = requests.get(served + path, headers=bearer, timeout=30)
        assert answer.status_code in (400, 404) and answer.json()["error"]["code"], path  # NUL: 400 before routing
