"""Watchlists, risk profiles and cases through the unmodified clients over HTTP on loopback: py42 and code42cli
(the legacy paths) and the incydr SDK with an API client (/v2/watchlists, /v1/cases), with the browser's rules,
scopes and audit."""
import json
import warnings

import py42.settings
import pytest
import requests
from py42.exceptions import (
    Py42BadRequestError,
    Py42CaseAlreadyHasEventError,
    Py42CloudAliasLimitExceededError,
    Py42ForbiddenError,
    Py42InvalidCaseUserError,
    Py42InvalidWatchlistType,
    Py42NotFoundError,
    Py42WatchlistNotFound,
    Py42WatchlistOrUserNotFound,
)
from sqlalchemy import func, select

from tests.api.test_code42_clients import code42, everything, sdk_for
from tests.conftest import PASSWORD
from tests.domain.test_cases import store_events
from webconsole.domain import api_clients, watchlists
from webconsole.extensions import db
from webconsole.models import AuditEvent, Case, FileEvent, Role, RolePermission, User
from webconsole.models.watchlists import RiskProfile, WatchlistMember

pytestmark = [
    pytest.mark.committed,  # the server thread reads the test's data through its own connections
    pytest.mark.filterwarnings("ignore:Incydr functionality is deprecated:DeprecationWarning"),
    # incydr 2.12.6 still uses pydantic features that pydantic 2 deprecates, and pydantic says so.
    pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20"),
]


@pytest.fixture
def watched(app, world, make_user):
    """An analyst (all orgs), an investigator of Engineering only, and three users on Departing Employees."""
    ids = dict(world)
    ids["analyst"] = make_user("analyst@acme.test", "security_admin", world["root"])
    with app.app_context():
        role = Role(key="eng_investigator", name="Engineering investigator", scope="subtree", builtin=False)
        role.permissions = [RolePermission(permission=p) for p in ("watchlists.view", "watchlists.manage",
                                                                   "cases.manage")]
        db.session.add(role)
        db.session.commit()
        role_id = role.id
    ids["investigator"] = make_user("investigator@acme.test", None, world["eng"])
    with app.app_context():
        investigator = db.session.get(User, ids["investigator"])
        investigator.roles.append(db.session.get(Role, role_id))
        db.session.commit()
        analyst = db.session.get(User, ids["analyst"])
        watchlists.add_members(analyst, "departing", [ids["user"], ids["seller"], ids["helpdesk"]])
        ids["uids"] = {u.id: u.uid for u in db.session.scalars(select(User))}
    return ids


def _audited(app, kind):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.event_type == kind))


def test_py42_pages_watchlists_and_changes_members_and_risk_profiles(served, watched, app, monkeypatch):
    monkeypatch.setattr(py42.settings, "items_per_page", 2)  # past one page with three members
    uids = watched["uids"]
    sdk = sdk_for(served, "analyst@acme.test")
    lists = everything(sdk.watchlists.get_all(), "watchlists")
    by_type = {w["listType"]: w["watchlistId"] for w in lists}
    assert set(by_type) == {"DEPARTING_EMPLOYEE", "HIGH_IMPACT_EMPLOYEE"}
    departing = by_type["DEPARTING_EMPLOYEE"]
    assert sdk.watchlists.get(departing)["stats"]["includedUsersCount"] == 3
    members = everything(sdk.watchlists.get_all_watchlist_members(departing), "watchlistMembers")
    assert sorted(m["username"] for m in members) == ["helpdesk@acme.test", "seller@acme.test", "user@acme.test"]
    included = everything(sdk.watchlists.get_all_included_users(departing), "includedUsers")
    assert {m["userId"] for m in included} == {uids[watched[k]] for k in ("user", "seller", "helpdesk")}
    assert sdk.watchlists.get_watchlist_member(departing, uids[watched["user"]])["username"] == "user@acme.test"
    with pytest.raises(Py42WatchlistOrUserNotFound):
        sdk.watchlists.get_watchlist_member(departing, uids[watched["admin"]])
    with pytest.raises(Py42WatchlistNotFound):
        sdk.watchlists.get("no-such-list")
    with pytest.raises(Py42InvalidWatchlistType):
        sdk.watchlists.create("MADE_UP")
    assert sdk.watchlists.create("FLIGHT_RISK") is None  # py42 swallows the console's "not offered" 400
    assert sdk.watchlists.create("DEPARTING_EMPLOYEE")["watchlistId"] == departing  # built in: the same list
    # Writes are safe to repeat: py42 resends a request that failed.
    for _n in range(2):
        sdk.watchlists.add_included_users_by_watchlist_type([uids[watched["auditor"]]], "HIGH_IMPACT_EMPLOYEE")
    assert _audited(app, "watchlist.add") == 4  # three by the fixture, one here
    with pytest.raises(Py42NotFoundError):
        sdk.watchlists.add_included_users_by_watchlist_id(["999999999999999999"], departing)
    with pytest.raises(Py42WatchlistNotFound):
        sdk.watchlists.add_included_users_by_watchlist_id([uids[watched["admin"]]], "no-such-list")
    for _n in range(2):
        sdk.watchlists.remove_included_users_by_watchlist_id([uids[watched["seller"]]], departing)
    with pytest.raises(Py42BadRequestError):
        sdk.watchlists.delete(departing)
    with app.app_context():
        assert watchlists.memberships_of(watched["auditor"]) == ["high_risk"]
        assert watchlists.memberships_of(watched["seller"]) == []
        assert _audited(app, "watchlist.remove") == 1

    # py42 finds a username through /api/v1/User, which takes users.view: a Cloud Admin has it, an analyst not.
    profile = sdk_for(served, "admin@acme.test").userriskprofile.get_by_username("user@acme.test")
    assert profile["userId"] == uids[watched["user"]] and profile["endDate"] is None
    sdk.userriskprofile.update(profile["userId"], end_date="2027-01-15", notes="Leaving for a rival")
    shown = sdk.userriskprofile.get_by_id(profile["userId"])
    assert shown["endDate"] == {"year": 2027, "month": 1, "day": 15} and shown["notes"] == "Leaving for a rival"
    with pytest.raises(Py42BadRequestError):  # the console keeps no start date: refused, not ignored
        sdk.userriskprofile.update(profile["userId"], start_date="2020-01-01")
    for _n in range(2):
        sdk.userriskprofile.add_cloud_aliases(profile["userId"], "user.alt@gmail.test")
    assert sdk.userriskprofile.get_by_id(profile["userId"])["cloudAliases"] == ["user.alt@gmail.test"]
    with pytest.raises(Py42CloudAliasLimitExceededError):
        sdk.userriskprofile.add_cloud_aliases(profile["userId"], [f"u{n}@box.test" for n in range(5)])
    sdk.userriskprofile.delete_cloud_aliases(profile["userId"], "user.alt@gmail.test")
    with app.app_context():
        kept = db.session.get(RiskProfile, watched["user"])
        assert kept.cloud_aliases == [] and kept.departure_date.isoformat() == "2027-01-15"
    with pytest.raises(Py42ForbiddenError):  # an Org Admin has no watchlist permission, in the browser either
        everything(sdk_for(served, "orgadmin@acme.test").watchlists.get_all(), "watchlists")


def test_code42cli_lists_watchlists_and_members_and_adds_and_removes(served, watched, cli_home, app):
    env = cli_home
    # By username, code42cli finds the user through /api/v1/User (users.view): the Cloud Admin has everything.
    code42(env, "profile", "create", "--name", "local", "--server", served, "--username", "admin@acme.test",
           "--password", PASSWORD, "-y")
    lines = code42(env, "watchlists", "list", "-f", "JSON").stdout
    assert "DEPARTING_EMPLOYEE" in lines and "HIGH_IMPACT_EMPLOYEE" in lines
    members = code42(env, "watchlists", "list-members", "--watchlist-type", "DEPARTING_EMPLOYEE", "-f", "CSV").stdout
    assert "seller@acme.test" in members and "admin@acme.test" not in members
    code42(env, "watchlists", "add", "--watchlist-type", "HIGH_IMPACT_EMPLOYEE", "auditor@acme.test")
    code42(env, "watchlists", "add", "--watchlist-type", "HIGH_IMPACT_EMPLOYEE", watched["uids"][watched["admin"]])
    code42(env, "watchlists", "remove", "--watchlist-type", "DEPARTING_EMPLOYEE", "seller@acme.test")
    with app.app_context():
        assert watchlists.memberships_of(watched["auditor"]) == ["high_risk"]
        assert watchlists.memberships_of(watched["admin"]) == ["high_risk"]
        assert watchlists.memberships_of(watched["seller"]) == []
    subject = watched["uids"][watched["user"]]
    code42(env, "cases", "create", "Copies to USB", "--subject", subject, "--description", "Before leaving")
    listed = code42(env, "cases", "list", "-f", "JSON").stdout
    assert "Copies to USB" in listed and "user@acme.test" in listed
    with app.app_context():
        number = db.session.scalar(select(Case.id).where(Case.name == "Copies to USB"))
    code42(env, "cases", "update", str(number), "--status", "CLOSED", "--findings", "Approved copy")
    shown = code42(env, "cases", "show", str(number), "-f", "JSON").stdout
    assert '"CLOSED"' in shown and "Approved copy" in shown
    missing = code42(env, "cases", "show", "999999", check=False)
    assert missing.returncode == 1 and "Invalid case-number" in missing.stdout + missing.stderr


def test_py42_opens_pages_and_changes_cases_with_their_file_events(served, watched, app):
    uids = watched["uids"]
    with app.app_context():
        store_events(watched["user_laptop"], ["roadmap.pdf", "salaries.xlsx"])
        event_ids = dict(db.session.execute(select(FileEvent.file_name, FileEvent.event_id)).all())
    sdk = sdk_for(served, "analyst@acme.test")
    for n in range(5):
        sdk.cases.create(f"Case {n}", subject=uids[watched["user"]], assignee=uids[watched["analyst"]])
    pages = list(sdk.cases.get_all(page_size=2))
    found = [c for page in pages for c in page["cases"]]
    assert len(pages) == 3 and [c["name"] for c in found] == [f"Case {n}" for n in range(5)]
    assert found[0]["assigneeUsername"] == "analyst@acme.test" and found[0]["status"] == "OPEN"
    newest = [c["name"] for c in sdk.cases.get_page(1, sort_direction="desc", page_size=2)["cases"]]
    assert newest == ["Case 4", "Case 3"]
    assert [c["name"] for c in sdk.cases.get_page(1, name="case 3")["cases"]] == ["Case 3"]
    number = found[0]["number"]
    sdk.cases.update(number, findings="Copied the roadmap", status="CLOSED")
    detail = sdk.cases.get(number)
    assert detail["findings"] == "Copied the roadmap" and detail["status"] == "CLOSED"
    assert detail["subject"] == uids[watched["user"]] and detail["name"] == "Case 0"
    assert [c["number"] for c in sdk.cases.get_page(1, status="CLOSED")["cases"]] == [number]
    with pytest.raises(Py42InvalidCaseUserError):
        sdk.cases.create("Nobody's case", subject="999999999999999999")
    sdk.cases.file_events.add(number, event_ids["roadmap.pdf"])
    with pytest.raises(Py42CaseAlreadyHasEventError):
        sdk.cases.file_events.add(number, event_ids["roadmap.pdf"])
    listed = sdk.cases.file_events.get_all(number)["events"]
    assert [e["fileName"] for e in listed] == ["roadmap.pdf"]
    assert sdk.cases.file_events.get(number, event_ids["roadmap.pdf"])["file"]["name"] == "roadmap.pdf"
    sdk.cases.file_events.delete(number, event_ids["roadmap.pdf"])
    with pytest.raises(Py42NotFoundError):
        sdk.cases.file_events.get(number, event_ids["roadmap.pdf"])
    assert _audited(app, "case.create") == 5 and _audited(app, "case.close") == 1
    assert _audited(app, "case.events_add") == 1 and _audited(app, "case.events_remove") == 1
    with pytest.raises(Py42ForbiddenError):
        sdk_for(served, "orgadmin@acme.test").cases.get(number)


def _incydr_client(app, served, creator, role_key, org_id):
    with app.app_context():
        role = db.session.scalar(select(Role).where(Role.key == role_key))
        client, secret = api_clients.create_client(db.session.get(User, creator), name=f"Incydr {role_key}",
                                                   org_id=org_id, role_ids=[role.id])
        client_id = client.client_id
    with warnings.catch_warnings():  # the SDK's models are built on import, with pydantic's deprecation warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        import incydr
    return incydr.Client(url=served, api_client_id=client_id, api_client_secret=secret)


def test_the_incydr_sdk_manages_watchlists_v2_and_cases_v1(served, watched, app):
    client = _incydr_client(app, served, watched["admin"], "security_admin", watched["root"])
    uids = watched["uids"]
    lists = list(client.watchlists.v2.iter_all(page_size=1))
    departing = next(w.watchlist_id for w in lists if w.list_type == "DEPARTING_EMPLOYEE")
    assert len(lists) == 2 and client.watchlists.v2.get(departing).stats.included_actors_count == 3
    members = list(client.watchlists.v2.iter_all_members(departing, page_size=2))
    assert sorted(m.actor_name for m in members) == ["helpdesk@acme.test", "seller@acme.test", "user@acme.test"]
    assert client.watchlists.v2.create("HIGH_IMPACT_EMPLOYEE").list_type == "HIGH_IMPACT_EMPLOYEE"
    client.watchlists.v2.add_included_actors(departing, uids[watched["auditor"]])
    assert client.watchlists.v2.get_member(departing, uids[watched["auditor"]]).actor_name == "auditor@acme.test"
    client.watchlists.v2.remove_included_actors(departing, [uids[watched["auditor"]], uids[watched["seller"]]])
    assert client.watchlists.v2.list_included_actors(departing).total_count == 2
    assert [w.list_type for w in client.watchlists.v2.get_page(actor_id=uids[watched["user"]]).watchlists] == \
        ["DEPARTING_EMPLOYEE"]
    with pytest.raises(requests.HTTPError) as refused:
        client.watchlists.v2.delete(departing)
    assert refused.value.response.status_code == 400
    with pytest.raises(requests.HTTPError) as refused:
        client.watchlists.v2.create("NEW_EMPLOYEE")
    assert refused.value.response.json()["error"]["code"] == "watchlist.type_not_offered"

    created = [client.cases.v1.create(f"Incydr case {n}", subject=uids[watched["seller"]], description="USB")
               for n in range(3)]
    assert created[0].subject_username == "seller@acme.test" and created[0].created_by_username is None
    assert [c.name for c in client.cases.v1.iter_all(page_size=2)] == [f"Incydr case {n}" for n in range(3)]
    case = client.cases.v1.get_case(created[1].number)
    case.name, case.assignee, case.status = "Renamed case", uids[watched["analyst"]], "CLOSED"
    changed = client.cases.v1.update(case)
    assert (changed.name, changed.assignee_username, changed.status) == ("Renamed case", "analyst@acme.test", "CLOSED")
    with app.app_context():
        store_events(watched["seller_laptop"], ["pricing.xlsx"])
        event_id = db.session.scalar(select(FileEvent.event_id).where(FileEvent.file_name == "pricing.xlsx"))
    for _n in range(2):  # attaching again changes nothing
        client.cases.v1.add_file_events_to_case(case.number, [event_id])
    [attached] = client.cases.v1.get_file_events(case.number).events
    assert attached.file_name == "pricing.xlsx" and attached.exposure == ["RemovableMedia"]
    assert client.cases.v1.get_file_event_detail(case.number, event_id).file.name == "pricing.xlsx"
    client.cases.v1.delete_file_event_from_case(case.number, event_id)
    client.cases.v1.delete(created[2].number)
    with pytest.raises(requests.HTTPError) as missing:
        client.cases.v1.get_case(created[2].number)
    assert missing.value.response.status_code == 404
    with app.app_context():
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "case.delete"))
        assert entry.actor_username == "Incydr security_admin (API client)"
        assert db.session.scalar(select(func.count()).select_from(WatchlistMember)) == 2


def test_an_org_scoped_caller_sees_and_changes_only_its_subtree(served, watched, app):
    uids = watched["uids"]
    sdk = sdk_for(served, "analyst@acme.test")
    seller_case = sdk.cases.create("Sales case", subject=uids[watched["seller"]])["number"]
    eng_case = sdk.cases.create("Platform case", subject=uids[watched["user"]])["number"]
    eng = sdk_for(served, "investigator@acme.test")  # watchlists and cases of Engineering and below only
    departing = next(w["watchlistId"] for w in everything(sdk.watchlists.get_all(), "watchlists")
                     if w["listType"] == "DEPARTING_EMPLOYEE")
    members = everything(eng.watchlists.get_all_watchlist_members(departing), "watchlistMembers")
    assert [m["username"] for m in members] == ["user@acme.test"]
    with pytest.raises(Py42WatchlistOrUserNotFound):
        eng.watchlists.get_watchlist_member(departing, uids[watched["seller"]])
    with pytest.raises(Py42NotFoundError):  # out of reach is "no such user", and nothing changes
        eng.watchlists.remove_included_users_by_watchlist_id([uids[watched["seller"]]], departing)
    assert [c["name"] for c in everything(eng.cases.get_all(), "cases")] == ["Platform case"]
    with pytest.raises(Py42NotFoundError):
        eng.cases.get(seller_case)
    with pytest.raises(Py42InvalidCaseUserError):
        eng.cases.create("Not mine", subject=uids[watched["seller"]])
    assert eng.cases.get(eng_case)["subjectUsername"] == "user@acme.test"
    profiles = everything(eng.userriskprofile.get_all(), "userRiskProfiles")
    assert {p["username"] for p in profiles} == {"orgadmin@acme.test", "user@acme.test", "investigator@acme.test"}
    with app.app_context():
        assert watchlists.memberships_of(watched["seller"]) == ["departing"]
    desk = sdk_for(served, "user@acme.test")
    with pytest.raises(Py42ForbiddenError):
        desk.cases.get(eng_case)


def test_hostile_input_gets_precise_json_refusals(served, watched):
    token = requests.get(served + "/api/v3/auth/jwt?useBody=True", auth=("analyst@acme.test", PASSWORD),
                         timeout=30).json()["data"]["v3_user_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    departing = requests.get(served + "/v1/watchlists", headers=bearer, timeout=30).json()["watchlists"][0]
    wid = departing["watchlistId"]
    probes = [("GET", "/v1/watchlists?page=0", None), ("GET", "/v1/watchlists?page_size=100000", None),
              ("GET", f"/v1/watchlists/{wid}/members?page=%C2%B2", None), ("POST", "/v1/watchlists", "[]"),
              ("POST", "/v1/watchlists", '{"watchlistType": 1e400}'),
              ("POST", f"/v1/watchlists/{wid}/included-users/add", '{"userIds": [true]}'),
              ("POST", f"/v1/watchlists/{wid}/included-users/add", json.dumps({"userIds": ["x" * 40]})),
              ("POST", f"/v1/watchlists/{wid}/included-users/add", "{" * 100_000),
              ("PATCH", "/v1/user-risk-profiles/1?paths=endDate", '{"endDate": {"year": 2027, "month": 13}}'),
              ("PATCH", "/v1/user-risk-profiles/1?paths=sideDate", "{}"),
              ("GET", "/v1/user-risk-profiles?department=Sales", None),
              ("GET", "/v1/cases?srtKey=secret", None), ("GET", "/v1/cases?createdAt=yesterday/today", None),
              ("GET", "/v1/cases?status=LOST", None), ("GET", "/v1/cases?pgSize=0", None),
              ("POST", "/v1/cases", '{"name": ["x"]}'), ("POST", "/v1/cases", '{"name": "ab", "subject": null}'),
              ("POST", "/v1/cases/1/fileevent", '{"events": [1]}'),
              ("GET", "/v1/cases/99999999999999999999999", None), ("PUT", "/v1/cases/1", '{"status": 5}')]
    for method, path, data in probes:
        answer = requests.request(method, served + path, data=data, headers={**bearer, "Accept": "*/*"}, timeout=30)
        assert answer.status_code in (400, 404), (method, path, answer.status_code, answer.text[:300])
        assert answer.json()["error"]["code"], path
    unknown = requests.post(served + "/v2/watchlists", json={"watchlistType": 'NO"PE'}, headers=bearer, timeout=30)
    assert unknown.status_code == 400 and "WatchlistSdk.Model.WatchlistType" in unknown.json()["error"]["message"]
