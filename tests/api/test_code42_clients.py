"""The unmodified public clients against the console over HTTP on loopback: py42 in this process, code42cli
as the command people run. Every call goes through the console's own domain, listings and scopes."""
import csv
import io
import json
import os
import subprocess
import sys

import py42.sdk
import py42.settings
import pytest
import requests
from py42.exceptions import Py42ActiveLegalHoldError, Py42ForbiddenError, Py42NotFoundError, Py42UnauthorizedError
from sqlalchemy import select

from tests.api.conftest import load_crowd
from tests.conftest import PASSWORD
from tests.domain.test_legal_hold import hold  # noqa: F401 (fixture)
from webconsole.domain import legal_hold, preservation
from webconsole.extensions import db
from webconsole.models import AuditEvent, Device, Matter, SignInAttempt, User

pytestmark = [
    pytest.mark.committed,  # the server thread reads the test's data through its own connections
    # py42 1.29 marks its Incydr parts (audit log, alerts, file events) as deprecated, and says so.
    pytest.mark.filterwarnings("ignore:Incydr functionality is deprecated:DeprecationWarning"),
]
CODE42 = [os.path.join(os.path.dirname(sys.executable), "code42")]
MANY = 520  # past py42's page of 500


@pytest.fixture
def crowd(app, hold):  # noqa: F811
    """MANY more users in Platform and one device each, loaded in bulk."""
    load_crowd(app, hold["platform"], MANY)
    return hold


def sdk_for(served, username):
    return py42.sdk.from_local_account(served, username, PASSWORD)


def everything(pages, key):
    return [item for page in pages for item in page[key]]


def test_py42_pages_through_users_orgs_and_devices_as_the_admin_sees_them(served, crowd):
    sdk = sdk_for(served, "admin@acme.test")
    assert py42.settings.items_per_page == 500
    users = everything(sdk.users.get_all(), "users")
    assert len(users) == len({u["userUid"] for u in users}) == MANY + 7
    assert {"userId", "userUid", "username", "orgUid", "status"} <= set(users[0])
    devices = everything(sdk.devices.get_all(), "computers")
    assert len(devices) == MANY + 3 and all(str(d["guid"]).isdigit() for d in devices)
    orgs = everything(sdk.orgs.get_all(), "orgs")
    assert {o["orgName"] for o in orgs} == {"Acme", "Engineering", "Platform", "Sales"}
    assert isinstance(orgs[0]["orgId"], int)
    [user] = sdk.users.get_by_username("user@acme.test")["users"]
    assert sdk.users.get_by_id(user["userId"])["userUid"] == user["userUid"]
    assert sdk.users.get_by_uid(user["userUid"])["username"] == "user@acme.test"
    assert sdk.users.get_by_username("nobody@acme.test")["users"] == []
    inactive = everything(sdk.users.get_all(active=False), "users")
    assert inactive == []
    platform = next(o for o in orgs if o["orgName"] == "Platform")
    in_platform = everything(sdk.users.get_all(org_uid=platform["orgUid"]), "users")
    assert len(in_platform) == MANY + 1


def test_an_org_admin_sees_only_their_subtree_and_a_desktop_user_nothing(served, crowd):
    sdk = sdk_for(served, "orgadmin@acme.test")
    users = everything(sdk.users.get_all(), "users")
    assert {u["orgName"] for u in users} <= {"Engineering", "Platform"} and len(users) == MANY + 2
    assert sdk.users.get_by_username("seller@acme.test")["users"] == []
    with pytest.raises((Py42NotFoundError, Py42ForbiddenError)):
        sdk.users.get_by_uid(_UIDS[crowd["seller"]])
    with pytest.raises((Py42NotFoundError, Py42ForbiddenError)):
        sdk.users.block(crowd["seller"])
    desk = sdk_for(served, "user@acme.test")
    with pytest.raises(Py42ForbiddenError):
        desk.users.get_page(1)
    with pytest.raises(Py42ForbiddenError):
        desk.legalhold.get_matters_page(1)


_UIDS = {}


@pytest.fixture(autouse=True)
def _uids(app, hold):  # noqa: F811
    """The world's users' UIDs by id, read once the fixtures have committed them."""
    _UIDS.clear()
    with app.app_context():
        _UIDS.update({u.id: u.uid for u in db.session.scalars(select(User))})


def test_a_custodian_cannot_be_deactivated_and_legal_hold_memberships_change(served, hold, app):  # noqa: F811
    sdk = sdk_for(served, "admin@acme.test")
    user_uid = _UIDS[hold["user"]]
    user_id = hold["user"]
    with pytest.raises(Py42ActiveLegalHoldError):
        sdk.users.deactivate(user_id)
    with pytest.raises(Py42ActiveLegalHoldError):
        sdk.devices.deactivate(hold["user_laptop"])
    legal = sdk_for(served, "legal@acme.test")
    [matter] = everything(legal.legalhold.get_all_matters(), "legalHolds")
    assert matter["name"] == "Acme v. Example" and matter["creator"]["username"] == "legal@acme.test"
    members = everything(legal.legalhold.get_all_matter_custodians(legal_hold_uid=matter["legalHoldUid"]),
                         "legalHoldMemberships")
    assert [m["user"]["userUid"] for m in members] == [user_uid]
    added = legal.legalhold.add_to_matter(_UIDS[hold["seller"]], matter["legalHoldUid"])
    assert added["user"]["username"] == "seller@acme.test"
    legal.legalhold.remove_from_matter(members[0]["legalHoldMembershipUid"])
    sdk.users.deactivate(user_id)  # no longer held
    sdk.users.reactivate(user_id)
    with app.app_context():
        assert not preservation.is_held(user_id) and preservation.is_held(hold["seller"])
        kinds = [e.event_type for e, _n in legal_hold.history(matter=db.session.get(Matter, hold["matter"]))][:2]
        assert kinds == ["MembershipDeactivated", "MembershipCreated"]


def code42(env, *arguments, check=True):
    # code42cli warns of its own use of pkg_resources on every run: not what the test reads.
    done = subprocess.run([*CODE42, *arguments], env={**env, "PYTHONWARNINGS": "ignore"}, capture_output=True,
                          text=True, timeout=120)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_code42cli_lists_shows_and_changes_what_the_console_holds(served, crowd, cli_home, app):
    env = cli_home
    code42(env, "profile", "create", "--name", "local", "--server", served, "--username", "admin@acme.test",
           "--password", PASSWORD, "-y")
    users = list(csv.DictReader(io.StringIO(code42(env, "users", "list", "-f", "CSV").stdout)))
    assert len(users) == MANY + 7 and users[0]["username"]
    orgs = [json.loads(line) for line in code42(env, "users", "orgs", "list", "-f", "RAW-JSON").stdout.splitlines()]
    assert {o["orgName"] for o in orgs} == {"Acme", "Engineering", "Platform", "Sales"}
    devices = list(csv.DictReader(io.StringIO(code42(env, "devices", "list", "-f", "CSV").stdout)))
    assert len(devices) == MANY + 3 and {"guid", "name", "status", "userUid"} <= set(devices[0])
    shown = json.loads(code42(env, "users", "show", "seller@acme.test", "-f", "RAW-JSON").stdout.splitlines()[0])
    assert shown["username"] == "seller@acme.test" and shown["roles"] == ["Desktop User"]
    guid = next(d["guid"] for d in devices if d["name"] == "SELLER-LAPTOP")
    assert "SELLER-LAPTOP" in code42(env, "devices", "show", guid).stdout
    code42(env, "devices", "deactivate", guid)
    with app.app_context():
        assert db.session.scalar(select(Device.status).where(Device.guid == guid)) == "deactivated"
    code42(env, "devices", "reactivate", guid)
    held_guid = next(d["guid"] for d in devices if d["name"] == "USER-LAPTOP")
    refused = code42(env, "devices", "deactivate", held_guid, check=False)
    assert refused.returncode == 1 and "legal hold" in refused.stdout + refused.stderr
    refused = code42(env, "users", "deactivate", "user@acme.test", check=False)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    matters = code42(env, "legal-hold", "list", "-f", "CSV").stdout
    assert "Acme v. Example" in matters
    with app.app_context():
        assert db.session.scalar(select(User.status).where(User.username == "user@acme.test")) == "active"


def test_bad_credentials_are_clean_errors_and_cost_one_failure(served, hold, cli_home, app):  # noqa: F811
    with pytest.raises(Py42UnauthorizedError):
        py42.sdk.from_local_account(served, "admin@acme.test", "not the password")
    with app.app_context():
        failures = db.session.scalars(select(SignInAttempt).where(SignInAttempt.succeeded.is_(False))).all()
        assert len(failures) == 1  # py42 sent it twice
    done = code42(cli_home, "profile", "create", "--name", "bad", "--server", served, "--username",
                  "admin@acme.test", "--password", "still wrong", "-y", check=False)
    assert done.returncode == 1 and "Invalid credentials" in done.stdout + done.stderr
    # A made-up or ended token is a clean 401 in JSON, never a redirect or a page.
    answer = requests.get(served + "/api/v1/User/my", headers={"Authorization": "Bearer made-up-token-xyz"},
                          timeout=30, allow_redirects=False)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "auth.required"
    assert "Set-Cookie" not in answer.headers


def test_api_paths_answer_json_without_cookies_or_redirects(served, hold):  # noqa: F811
    token = requests.get(served + "/api/v3/auth/jwt?useBody=True", auth=("admin@acme.test", PASSWORD),
                         timeout=30).json()["data"]["v3_user_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    for path in ("/api/v1/User/my", "/api/v1/Nothing/here", "/api/v1/Computer/99999999", "/api/v1/User?pgSize=x",
                 "/api/v1/User?pgSize=100000", "/api/v1/User?orgUid=%00", "/api/v1/Computer?active=maybe",
                 "/api/v1/LegalHold?activeState=SOME", "/api/v1/LegalHoldMembership"):
        answer = requests.get(served + path, headers={**bearer, "Accept": "*/*"}, timeout=30, allow_redirects=False)
        assert answer.status_code in (200, 400, 403, 404), path
        assert answer.headers["Content-Type"].startswith("application/json"), path
        assert "Set-Cookie" not in answer.headers, path
    # A browser's session cookie is not a credential here.
    browser = requests.Session()
    page = browser.get(served + "/auth/signin", timeout=30)
    assert page.status_code == 200
    assert requests.get(served + "/api/v1/User/my", cookies=browser.cookies, timeout=30).status_code == 401
    for body in ("[]", '"x"', "{" * 100_000, '{"id": "1"}', '{"id": 1e400}', '{"id": true}'):
        answer = requests.post(served + "/api/v4/computer-deactivation/update", data=body, headers=bearer, timeout=30)
        assert answer.status_code in (400, 404), body


def test_the_audit_log_is_searched_and_paged_by_both_clients(served, hold, cli_home):  # noqa: F811
    from datetime import datetime, timedelta, timezone

    sdk = sdk_for(served, "admin@acme.test")
    sdk.users.block(hold["seller"])
    sdk.users.unblock(hold["seller"])
    begin = datetime.now(timezone.utc) - timedelta(hours=1)
    pages = list(sdk.auditlogs.get_all(begin_time=begin, page_size=2))
    events = [e for page in pages for e in page["events"]]
    kinds = [e["eventType"] for e in events]
    assert len(pages) > 2 and {"user.block", "user.unblock", "signin"} <= set(kinds)
    blocked = [e for e in events if e["eventType"] == "user.block"]
    assert blocked[0]["actorName"] == "admin@acme.test" and blocked[0]["userName"] == "seller@acme.test"
    assert blocked[0]["actorIpAddress"] == "127.0.0.1"
    only = [e for page in sdk.auditlogs.get_all(event_types=["user.block"], usernames=["admin@acme.test"])
            for e in page["events"]]
    assert [e["eventType"] for e in only] == ["user.block"]
    later = [e for page in sdk.auditlogs.get_all(begin_time=datetime.now(timezone.utc) + timedelta(hours=1))
             for e in page["events"]]
    assert later == []
    code42(cli_home, "profile", "create", "--name", "local", "--server", served, "--username", "admin@acme.test",
           "--password", PASSWORD, "-y")
    lines = code42(cli_home, "audit-logs", "search", "--begin", "1d", "-f", "RAW-JSON").stdout.splitlines()
    assert {"user.block", "user.unblock"} <= {json.loads(line)["eventType"] for line in lines}
    refused = sdk_for(served, "orgadmin@acme.test")
    with pytest.raises(Py42ForbiddenError):
        list(refused.auditlogs.get_all())


def test_file_events_are_searched_with_the_query_language_and_paged_by_token(served, hold, cli_home, app):  # noqa: F811
    from py42.sdk.queries.fileevents.v2 import FileEventQuery
    from py42.sdk.queries.fileevents.v2 import filters as v2

    from tests.domain.test_cases import store_events
    with app.app_context():
        store_events(hold["user_laptop"], [f"plan-{n:02d}.docx" for n in range(23)])
        store_events(hold["seller_laptop"], ["pricing.xlsx", "<script>x</script>.pdf"])
    sdk = sdk_for(served, "admin@acme.test")
    query = FileEventQuery.all(v2.user.Email.is_in(["user@acme.test", "seller@acme.test"]))
    query.page_size, query.sort_key, query.sort_direction = 10, "@timestamp", "asc"
    seen, token, pages = [], "", 0
    while True:
        answer = sdk.securitydata.search_all_file_events(query, page_token=token)
        seen += answer["fileEvents"]
        pages += 1
        token = answer["nextPgToken"]
        if not token:
            break
    assert pages == 3 and len(seen) == len({e["event"]["id"] for e in seen}) == 25
    assert [e["@timestamp"] for e in seen] == sorted(e["@timestamp"] for e in seen)
    assert {"name", "directory", "hash", "sizeInBytes"} <= set(seen[0]["file"])
    named = FileEventQuery.all(v2.file.Name.eq("plan-07.docx"))
    [found] = sdk.securitydata.search_all_file_events(named)["fileEvents"]
    assert found["user"]["email"] == "user@acme.test" and found["event"]["action"] == "file-created"
    eng = sdk_for(served, "orgadmin@acme.test")
    with pytest.raises(Py42ForbiddenError):  # an Org Admin does not search file events
        eng.securitydata.search_all_file_events(query)
    code42(cli_home, "profile", "create", "--name", "local", "--server", served, "--username", "admin@acme.test",
           "--password", PASSWORD, "-y", "--use-v2-file-events", "True")
    lines = code42(cli_home, "security-data", "search", "--begin", "2d", "--include-non-exposure",
                   "-f", "RAW-JSON").stdout.splitlines()
    ids = [json.loads(line)["event"]["id"] for line in lines if line.startswith("{")]
    assert len(ids) == 25, [line[:300] for line in lines if not line.startswith("{")]
    assert any("<script>" in line for line in lines)
    mine = code42(cli_home, "security-data", "search", "--begin", "2d", "--include-non-exposure",
                  "--c42-username", "seller@acme.test", "-f", "CSV").stdout
    assert "pricing.xlsx" in mine and "plan-00.docx" not in mine
    bad = requests.post(served + "/forensic-search/queryservice/api/v2/fileevent", timeout=30,
                        headers={"Authorization": f"Bearer {_token(served)}"},
                        json={"groups": [{"filters": [{"term": "no.such", "operator": "IS", "value": "x"}]}],
                              "pgToken": ""})
    assert bad.status_code == 400 and bad.json()["problems"][0]["type"] == "fileevent.query"
    forged = requests.post(served + "/forensic-search/queryservice/api/v2/fileevent", timeout=30,
                           headers={"Authorization": f"Bearer {_token(served)}"}, json={"pgToken": "forged"})
    assert forged.status_code == 400 and "INVALID_PAGE_TOKEN" in forged.text


def _token(served, username="admin@acme.test"):
    return requests.get(served + "/api/v3/auth/jwt?useBody=True", auth=(username, PASSWORD),
                        timeout=30).json()["data"]["v3_user_token"]


def test_alerts_are_searched_page_by_page_and_shown_with_their_files(served, hold, cli_home, app, make_user):  # noqa: F811
    from py42.sdk.queries.alerts.alert_query import AlertQuery
    from py42.sdk.queries.alerts.filters import AlertState, Severity

    from tests.domain.test_cases import make_alert, store_events
    make_user("analyst@acme.test", "security_admin", hold["root"])
    with app.app_context():
        ids = store_events(hold["user_laptop"], ["roadmap.pdf", "salaries.xlsx"])
        for n in range(7):
            make_alert(hold["user"], ids, name=f"USB copies {n}", severity="high" if n % 2 else "critical")
    sdk = sdk_for(served, "analyst@acme.test")
    query = AlertQuery(AlertState.eq("OPEN"))
    query.page_size = 3
    found = [a for page in sdk.alerts.get_all_alert_details(query) for a in [page]]
    assert len(found) == 7 and {a["actor"] for a in found} == {"user@acme.test"}
    critical = [a for a in sdk.alerts.get_all_alert_details(AlertQuery(Severity.eq("CRITICAL")))]
    assert len(critical) == 4
    [details] = sdk.alerts.get_details([found[0]["id"]])["alerts"]
    data = details["observations"][0]["data"]  # py42 reads the observation's JSON text for us
    files = data["files"]
    assert {f["name"] for f in files} == {"roadmap.pdf", "salaries.xlsx"}
    code42(cli_home, "profile", "create", "--name", "local", "--server", served, "--username", "analyst@acme.test",
           "--password", PASSWORD, "-y")
    lines = code42(cli_home, "alerts", "search", "--begin", "1d", "-f", "RAW-JSON").stdout.splitlines()
    names = {json.loads(line)["name"] for line in lines if line.startswith("{")}
    assert names == {f"USB copies {n}" for n in range(7)}
    with pytest.raises(Py42ForbiddenError):
        list(sdk_for(served, "orgadmin@acme.test").alerts.get_all_alert_details(query))


def test_an_api_client_acts_with_its_roles_and_scope_and_stops_when_revoked(served, crowd, cli_home, app):
    from webconsole.domain import api_clients
    from webconsole.models import Role
    with app.app_context():
        admin = db.session.get(User, crowd["admin"])
        role = db.session.scalar(select(Role).where(Role.key == "org_admin"))
        client, secret = api_clients.create_client(admin, name="Nightly sync", org_id=crowd["eng"],
                                                   role_ids=[role.id])
        client_id = client.client_id
    sdk = py42.sdk.from_api_client(served, client_id, secret)
    users = everything(sdk.users.get_all(), "users")
    assert len(users) == MANY + 2 and {u["orgName"] for u in users} <= {"Engineering", "Platform"}
    devices = everything(sdk.devices.get_all(), "computers")
    guid = next(d["guid"] for d in devices if d["name"].startswith("CROWD-"))
    sdk.devices.deactivate(next(d["computerId"] for d in devices if d["guid"] == guid))
    with app.app_context():
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "device.deactivate"))
        assert entry.actor_username == "Nightly sync (API client)" and entry.actor_id is None
    code42(cli_home, "profile", "create-api-client", "-n", "client", "-s", served, "--api-client-id", client_id,
           "--secret", secret, "-y")
    listed = list(csv.DictReader(io.StringIO(code42(cli_home, "users", "list", "-f", "CSV").stdout)))
    assert len(listed) == MANY + 2
    with app.app_context():
        api_clients.revoke(db.session.get(User, crowd["admin"]), db.session.scalar(
            select(api_clients.ApiClient).where(api_clients.ApiClient.client_id == client_id)))
    with pytest.raises(Py42UnauthorizedError):
        everything(sdk.users.get_all(), "users")  # the token it holds stops at once
    with pytest.raises(Py42UnauthorizedError):
        py42.sdk.from_api_client(served, client_id, secret).users.get_page(1)
    refused = code42(cli_home, "users", "list", "-f", "CSV", check=False)
    assert refused.returncode == 1


def test_an_api_client_manages_legal_hold_through_py42s_own_paths(served, hold, app):  # noqa: F811
    from py42.exceptions import Py42LegalHoldAlreadyDeactivatedError, Py42UserAlreadyAddedError

    from webconsole.domain import api_clients
    from webconsole.models import Role
    with app.app_context():
        role = db.session.scalar(select(Role).where(Role.key == "legal_hold_admin"))
        _client, secret = api_clients.create_client(db.session.get(User, hold["admin"]), name="Legal sync",
                                                    org_id=hold["root"], role_ids=[role.id])
        client_id = _client.client_id
    sdk = py42.sdk.from_api_client(served, client_id, secret)
    [policy] = sdk.legalhold.get_policy_list()
    matter = sdk.legalhold.create_matter("Beta v. Acme", policy["legalHoldPolicyUid"], hold_ext_ref="CV-7")
    assert matter["externalReference"] == "CV-7"
    matters = [m for page in sdk.legalhold.get_all_matters() for m in page]
    assert {m["name"] for m in matters} == {"Acme v. Example", "Beta v. Acme"}
    assert [m["name"] for page in sdk.legalhold.get_all_matters(name="beta") for m in page] == ["Beta v. Acme"]
    sdk.legalhold.add_to_matter(_UIDS[hold["seller"]], matter["legalHoldUid"])
    with pytest.raises(Py42UserAlreadyAddedError):
        sdk.legalhold.add_to_matter(_UIDS[hold["seller"]], matter["legalHoldUid"])
    [member] = [m for page in sdk.legalhold.get_all_matter_custodians(legal_hold_matter_uid=matter["legalHoldUid"])
                for m in page]
    assert member["user"]["userUid"] == _UIDS[hold["seller"]]
    sdk.legalhold.remove_from_matter(member["legalHoldMembershipUid"])
    sdk.legalhold.deactivate_matter(matter["legalHoldUid"])
    with pytest.raises(Py42LegalHoldAlreadyDeactivatedError):
        sdk.legalhold.deactivate_matter(matter["legalHoldUid"])
    sdk.legalhold.reactivate_matter(matter["legalHoldUid"])
    with app.app_context():
        entries = db.session.scalars(select(AuditEvent.actor_username).where(
            AuditEvent.event_type.like("legalhold.%"), AuditEvent.object_label == "Beta v. Acme")).all()
        assert set(entries) == {"Legal sync (API client)"} and len(entries) >= 5


def test_alerts_change_state_and_take_notes_through_py42(served, hold, app, make_user):  # noqa: F811
    from py42.exceptions import Py42BadRequestError

    from tests.domain.test_cases import make_alert, store_events
    from webconsole.models import Alert
    make_user("analyst@acme.test", "security_admin", hold["root"])
    with app.app_context():
        ids = store_events(hold["user_laptop"], ["roadmap.pdf"])
        alert_ids = [str(make_alert(hold["user"], ids, name=f"USB {n}")) for n in range(2)]
    sdk = sdk_for(served, "analyst@acme.test")
    sdk.alerts.update_state("IN_PROGRESS", alert_ids, note="Looking into it")
    with pytest.raises(Py42BadRequestError):  # resolving needs a reason, as in the console
        sdk.alerts.resolve(alert_ids)
    sdk.alerts.resolve(alert_ids, reason="Approved transfer")
    sdk.alerts.update_note(alert_ids[0], "Manager confirmed")
    with app.app_context():
        assert {a.state for a in db.session.scalars(select(Alert))} == {"resolved"}
