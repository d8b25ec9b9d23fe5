"""The API's OpenAPI document (/api/openapi.json): valid OpenAPI 3.0, every route of the API documented and
every documented operation a route, and the console's real answers matching it. Schemathesis drives every
operation in-process with generated values: no 5xx, and every answer has a documented status and shape."""
import base64
import os

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import select

from tests import isolation
from tests.conftest import PASSWORD, base_config
from webconsole import create_app
from webconsole.blueprints.code42_api import door, openapi_doc
from webconsole.demo.data import load_demo
from webconsole.domain import api_clients, sessions
from webconsole.domain.passwords import hash_password
from webconsole.domain.permissions import role_by_key
from webconsole.extensions import db
from webconsole.models import Alert, Device, Org, User

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# A fixed, small budget: the same examples every run, well under a minute on 2 cores. Look harder locally with
# OPENAPI_EXAMPLES=100.
EXAMPLES = int(os.environ.get("OPENAPI_EXAMPLES", "5"))
ADMIN = "openapi-admin@example.com"
METHODS = {"get", "put", "post", "delete", "patch"}


def _document():
    return openapi_doc.assemble()


def test_the_document_is_valid_openapi_3_and_served_publicly_as_json(client):
    document = _document()
    validate(document)
    response = client.get("/api/openapi.json", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.is_json
    assert response.json["paths"] == document["paths"]
    assert response.json["servers"] == [{"url": "http://localhost"}]
    assert response.json["info"]["title"] == "Webconsole API" and response.json["info"]["version"]
    assert "Set-Cookie" not in response.headers  # an API path: no cookie, whatever the caller sent
    assert client.post("/api/openapi.json").json["error"]["code"] == "http.405"  # the API's JSON errors


def test_every_route_is_documented_and_every_documented_operation_is_a_route():
    app = create_app(base_config("sqlite://"))
    routes = {(method.lower(), openapi_doc.openapi_path(rule.rule)) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("code42_api.") for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(method, path) for path, item in _document()["paths"].items() for method in item
                  if method in METHODS}
    assert sorted(routes - documented) == [], "routes without a description in code42_api/openapi/*.yaml"
    assert sorted(documented - routes) == [], "described operations that no route answers"


def _write(directory, name, content):
    (directory / name).write_text(yaml.safe_dump(content), encoding="utf-8")


def _fragments(tmp_path, **extra):
    common = yaml.safe_load((openapi_doc.FRAGMENTS / "common.yaml").read_text(encoding="utf-8"))
    _write(tmp_path, "common.yaml", common)
    ok = {"description": "Done."}
    _write(tmp_path, "one.yaml", {"paths": {"/v1/one": {"get": {"operationId": "one_get", "responses": {"204": ok}}}},
                                  "schemas": {"One": {"type": "object"}}})
    for name, content in extra.items():
        _write(tmp_path, f"{name}.yaml", content)
    return tmp_path


@pytest.mark.parametrize("fragment, complaint", [
    ({"paths": {"/v1/one": {"get": {"operationId": "two_get", "responses": {}}}}}, "GET /v1/one is already"),
    ({"paths": {"/v1/two": {"get": {"operationId": "one_get", "responses": {}}}}}, "operationId one_get"),
    ({"schemas": {"One": {"type": "string"}}}, "schema One is already"),
    ({"components": {"schemas": {}}}, "unknown top-level keys ['components']"),
    ({"paths": {"/v1/two": {"post": {"responses": {}}}}}, "POST /v1/two has no operationId"),
    ({"schemas": {"Two": {"$ref": "#/components/schemas/Nobody"}}}, "#/components/schemas/Nobody names no"),
])
def test_a_fragment_that_clashes_is_refused_at_load(tmp_path, fragment, complaint):
    openapi_doc.assemble(_fragments(tmp_path))  # the two fragments alone merge
    with pytest.raises(openapi_doc.FragmentError) as refused:
        openapi_doc.assemble(_fragments(tmp_path, two=fragment))
    assert complaint in str(refused.value)


def test_a_page_number_of_a_billion_costs_a_bounded_search(app, client, world, monkeypatch):
    """Found by schemathesis: pgNum=150094437 looked for a known cursor 150 million times (76 s of CPU)."""
    with app.app_context():
        token = sessions.start_session(db.session.get(User, world["admin"]), "127.0.0.1", "test")
        db.session.commit()
    lookups, lookup = [], door._cursors.get
    monkeypatch.setattr(door._cursors, "get", lambda key: lookups.append(key) or lookup(key))
    for path in ("/api/v1/LegalHoldEventReport", "/api/v1/User", "/api/v1/Computer"):
        lookups.clear()
        response = client.get(f"{path}?pgNum=1000000000", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, path
        assert len(lookups) <= door.CURSOR_LOOKBACK + 1, path


# -- the real answers against the document ------------------------------------------------------------------

def _basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture(scope="module")
def demo_api(database_url):
    """A small demo console on the test database (committed, emptied after the module), an administrator of
    its own to act as, an API client with the same role, and their Authorization headers."""
    app = create_app(base_config(database_url))
    with app.app_context():
        load_demo(PASSWORD, users=12, devices=14, events=400)
        top = db.session.scalar(select(Org).where(Org.parent_id.is_(None)))
        # Not a demo sign-in: generated calls on user 1 (a password reset ends its sessions) leave this one be.
        admin = User(username=ADMIN, email=ADMIN, password_hash=hash_password(PASSWORD), org_id=top.id)
        admin.roles.append(role_by_key("cloud_admin"))
        db.session.add(admin)
        db.session.commit()
        token = sessions.start_session(admin, "127.0.0.1", "schemathesis")
        client, secret = api_clients.create_client(admin, name="OpenAPI probe", org_id=top.id,
                                                   role_ids=[role_by_key("cloud_admin").id])
        access_token = api_clients.issue_token(client)
        db.session.commit()
        device = db.session.scalar(select(Device).order_by(Device.id.desc()))
        known = {"admin": admin.id, "admin_uid": admin.uid, "top_uid": top.uid, "device": device.id,
                 "device_guid": device.guid, "alert": db.session.scalar(select(Alert.id).order_by(Alert.id))}
        callers = {"admin": {"bearer": f"Bearer {token}", "basic": _basic(ADMIN, PASSWORD)},
                   "client": {"bearer": f"Bearer {access_token}", "basic": _basic(client.client_id, secret)}}
    yield {"app": app, "known": known, **callers}
    with app.app_context():
        isolation.empty_database()


def _headers(case, caller):
    """The caller's credentials as the operation takes them: HTTP Basic for the token calls, else the bearer."""
    security = case.operation.definition.raw.get("security")
    # identity: the console compresses what the caller accepts, and the in-process transport does not inflate.
    return {"Authorization": caller["basic"] if security == [{"basic": []}] else caller["bearer"],
            "Accept-Encoding": "identity"}


# The document as the assembler makes it (it needs no app). Each operation, for each caller, is a test item
# of its own (not one of schemathesis's subtests, whose failures pytest-xdist workers do not report), its
# calls going to the module's console in-process (WSGI).
DOCUMENT = openapi_doc.assemble()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict({"seed": 16}))
OPERATIONS = sorted((path, method.upper()) for path, item in DOCUMENT["paths"].items() for method in item
                    if method in METHODS)
RUN = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
               suppress_health_check=list(HealthCheck))


# Destructive operations (deactivate, block, move, reset a password...) are included: they act on this
# module's throwaway demo data, and generated identifiers rarely name a real object anyway. The actor is an
# administrator of its own (or an API client), and the last test checks that the administrator's token
# still opens.
@pytest.mark.parametrize("caller", ["admin", "client"])
@pytest.mark.parametrize("path, method", OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_every_operation_answers_as_documented(path, method, caller, demo_api):
    operation = schema[path][method]

    @RUN
    @given(case=operation.as_strategy())
    def check(case):
        case.call_and_validate(headers=_headers(case, demo_api[caller]), checks=CHECKS, app=demo_api["app"])

    check()


def test_real_objects_answer_in_their_documented_shapes(demo_api):
    """The success answers of calls on objects that exist (generated identifiers seldom name one)."""
    known = demo_api["known"]
    admin = {"Authorization": demo_api["admin"]["bearer"], "Accept-Encoding": "identity"}
    device_id, device_guid = known["device"], known["device_guid"]

    def call(path, method="GET", status=200, **parts):
        case = schema[path][method].Case(**parts)
        response = case.call_and_validate(headers=admin, checks=CHECKS, app=demo_api["app"])
        assert response.status_code == status, (path, response.text)
        return response.json() if response.content else None

    call("/api/v1/User/{user_ref}", path_parameters={"user_ref": str(known["admin"])}, query={"incRoles": "true"})
    call("/api/v1/User/{user_ref}", path_parameters={"user_ref": known["admin_uid"]}, query={"idType": "uid"})
    call("/api/v3/users/{user_uid}/roles", path_parameters={"user_uid": known["admin_uid"]})
    call("/api/v3/orgs/{org_uid}", path_parameters={"org_uid": known["top_uid"]})
    call("/api/v1/Computer/{device_ref}", path_parameters={"device_ref": str(device_id)},
         query={"incBackupUsage": "true", "incSettings": "true"})
    call("/api/v1/Computer/{device_ref}", path_parameters={"device_ref": device_guid}, query={"idType": "guid"})
    call("/api/v1/Computer", query={"incBackupUsage": "true", "incCounts": "true"})
    call("/api/v1/ComputerBlock/{device_id}", "PUT", 204, path_parameters={"device_id": str(device_id)})
    call("/api/v1/ComputerBlock/{device_id}", "DELETE", 204, path_parameters={"device_id": str(device_id)})
    call("/rpc/search/search-audit-log", "POST", body={"pageSize": 5})
    call("/forensic-search/queryservice/api/v2/fileevent", "POST", body={"pgSize": 5, "pgToken": ""})
    call("/forensic-search/queryservice/api/v1/fileevent", "POST", body={"pgSize": 5})
    call("/forensic-search/queryservice/api/v2/fileevent", "POST", 400, body={"srtKey": "nothing"})
    call("/forensic-search/queryservice/api/v2/fileevent", "POST", 400, body={"pgToken": "tampered"})
    call("/forensic-search/queryservice/api/v1/fileevent", "POST", 400, body={"srtKey": ["@timestamp"]})  # was a 500
    assert call("/svc/api/v1/query-alerts", "POST", body={"pgSize": 5})["alerts"]
    call("/svc/api/v1/query-details", "POST", body={"alertIds": [str(known["alert"])]})
    call("/svc/api/v1/add-note", "POST", body={"alertId": str(known["alert"]), "note": "Seen."})
    call("/api/v1/Org", query={"pgSize": 2})
    [policy] = [call("/api/v4/legal-hold-policy/create", "POST", body={"name": "OpenAPI policy"})["data"]]
    call("/api/v4/legal-hold-policy/view", query={"legalHoldPolicyUid": policy["legalHoldPolicyUid"]})
    matter = call("/api/v1/LegalHold", "POST", body={"name": "OpenAPI v. Example", "holdExtRef": "OA-1",
                                                     "holdPolicyUid": policy["legalHoldPolicyUid"]})["data"]
    uid = matter["legalHoldUid"]
    call("/api/v1/LegalHold/{matter_uid}", path_parameters={"matter_uid": uid})
    call("/api/v27/legal-hold-matter/view", query={"legalHoldUid": uid})
    membership = call("/api/v1/LegalHoldMembership", "POST",
                      body={"legalHoldUid": uid, "userUid": known["admin_uid"]})["data"]
    assert call("/api/v1/LegalHoldMembership", query={"legalHoldUid": uid})["data"]["totalCount"] == 1
    assert len(call("/api/v27/legal-hold-membership/list", query={"legalHoldUid": uid})) == 1
    call("/api/v1/LegalHoldMembershipDeactivation", "POST", 204,
         body={"legalHoldMembershipUid": membership["legalHoldMembershipUid"]})
    call("/api/v1/LegalHoldEventReport", query={"legalHoldUid": uid})
    call("/api/v27/legal-hold-matter/deactivate", "POST", 204, body={"legalHoldUid": uid})
    call("/api/v27/legal-hold-matter/deactivate", "POST", 400, body={"legalHoldUid": uid})
    call("/api/v27/legal-hold-matter/list", query={"active": "none"})
    call("/api/v1/LegalHoldReactivation/{matter_uid}", "PUT", 204, path_parameters={"matter_uid": uid})
    for path in ("/api/v1/User/my", "/api/v1/Org/my", "/api/v3/customer/my", "/api/v1/ServerEnv"):
        call(path)


def test_the_acting_administrator_was_not_locked_out_by_the_generated_calls(demo_api):
    """The generated runs above only mean something while the administrator's token opens."""
    client = demo_api["app"].test_client()
    response = client.get("/api/v1/User/my", headers={"Authorization": demo_api["admin"]["bearer"]})
    assert response.status_code == 200 and response.json["data"]["username"] == ADMIN



