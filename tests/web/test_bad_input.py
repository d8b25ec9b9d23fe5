"""Each kind of input that once answered HTTP 500 now gets a 4xx that says what was wrong, and stores nothing."""
import pytest
from sqlalchemy import func, select

from tests.blueprints.test_agent_api import API, auth, register
from tests.conftest import HX
from webconsole.domain.errors import ValidationError
from webconsole.domain.orgs import add_org
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import Destination, Device, Org, User

BEYOND_64_BITS = str(2**64 + 1)
DEEP_JSON = "[" * 100_000 + "]" * 100_000


def org_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Org))


@pytest.mark.parametrize("url", [f"/orgs/{BEYOND_64_BITS}", f"/users/{'9' * 40}", f"/devices/{2**63}",
                                 f"/data-connections/{2**31}", f"/users/{2**31}/password", "/devices/٣", "/orgs/²",
                                 f"/orgs/{BEYOND_64_BITS}/deactivate", f"/forensic-search/events/{2**63}",
                                 f"/forensic-search/events/{2**40}"])
def test_an_id_no_row_can_have_is_a_404(client, sign_in, world, url):
    sign_in("admin@acme.test")
    assert client.get(url).status_code in (404, 405)
    assert client.post(url).status_code in (404, 405)


@pytest.mark.parametrize("value", [BEYOND_64_BITS, str(2**31), "²", "٣", "-1", "0"])
def test_ids_in_parameters_that_name_nothing_are_not_found(client, sign_in, world, value):
    sign_in("admin@acme.test")
    assert client.get("/user-activity/", query_string={"user": value}).status_code in (200, 404)
    assert client.get("/users/new", query_string={"org": value}).status_code == 200


def test_parse_id_takes_only_ascii_digits_within_what_the_id_column_holds():
    assert [parse_id(v) for v in ("12", 12, "²", "٣", str(2**31 - 1), str(2**31), "", None, True, "-3")] == \
        [12, 12, None, None, 2**31 - 1, None, None, None, None, None]
    assert parse_id(str(2**63 - 1), largest=2**63 - 1) == 2**63 - 1


@pytest.mark.parametrize("body", ['{"widths": {"name": 1e400}}', '{"widths": {"name": NaN}}',
                                  '{"widths": {"name": Infinity}}', '{"widths": {"name": %d}}' % 2**70, DEEP_JSON])
def test_json_that_python_accepts_but_json_does_not_is_a_400_saying_why(client, sign_in, world, body):
    sign_in("admin@acme.test")
    response = client.post("/preferences/lists/devices/widths", data=body, content_type="application/json",
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "The request body was refused" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("body", ["[1, 2]", '"widths"', '{"widths": [1, 2]}', '{"widths": {"name": "wide"}}'])
def test_column_widths_of_the_wrong_type_are_refused(client, sign_in, world, body):
    sign_in("admin@acme.test")
    response = client.post("/preferences/lists/devices/widths", data=body, content_type="application/json")
    assert response.status_code in (400, 422)


@pytest.mark.parametrize("body", [DEEP_JSON, "[1]", '{"line": ["help"]}', '{"line": 5}', '{"line": NaN}'])
def test_the_console_command_line_refuses_a_body_of_the_wrong_shape(client, sign_in, world, body):
    sign_in("admin@acme.test")
    response = client.post("/console/run", data=body, content_type="application/json")
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("body, field", [({"username": ["admin@acme.test"], "password": "x"}, "username"),
                                         ({"username": "admin@acme.test", "password": 5}, "password"),
                                         ({"username": {"a": 1}, "password": None}, "username")])
def test_a_form_sent_as_json_with_wrong_types_names_the_field(client, world, body, field):
    response = client.post("/auth/signin", json=body)
    assert response.status_code == 422
    assert f"“{field}” must be text." in response.get_data(as_text=True)


@pytest.mark.parametrize("body", [DEEP_JSON, "[1, 2]", "1e400", "NaN"])
def test_a_form_sent_as_json_that_is_no_object_is_refused_and_stores_nothing(app, client, sign_in, world, body):
    sign_in("admin@acme.test")
    before = org_count(app)
    response = client.post("/orgs/new", data=body, content_type="application/json")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The request body was refused" in html or "must be a JSON object" in html
    assert org_count(app) == before


@pytest.mark.parametrize("url, data", [("/devices/", {"q": "a\x00b"}), ("/audit/", {"event": "\x00"}),
                                       ("/forensic-search/", {"f1": "file_name", "o1": "is", "v1": "\x00"}),
                                       ("/search/", {"q": "\x00"}), ("/users/rows", {"q\x00": "a"})])
def test_a_nul_in_a_search_is_a_400_naming_the_parameter(client, sign_in, world, url, data):
    sign_in("admin@acme.test")
    response = client.get(url, query_string=data)
    assert response.status_code == 400
    name = next(iter(data)) if "f1" not in data else "v1"
    assert f"“{name.replace(chr(0), '�')}” contains a NUL character" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/api/connections/v1/%00/events", "/orgs/1%00", "/help/a%00b"])
def test_a_nul_in_the_address_is_a_400(client, sign_in, world, url):
    sign_in("admin@acme.test")
    response = client.post(url) if "connections" in url else client.get(url)
    assert response.status_code == 400


def test_an_org_name_with_a_nul_is_refused_and_not_stored(app, client, sign_in, world):
    sign_in("admin@acme.test")
    before = org_count(app)
    response = client.post("/orgs/new", data={"name": "Evil\x00Org", "parent_id": world["root"]})
    assert response.status_code == 400 and "“name” contains a NUL character" in response.get_data(as_text=True)
    assert org_count(app) == before


def test_the_domain_refuses_a_nul_in_an_org_name_whatever_the_door(app, world):
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        with pytest.raises(ValidationError) as refused:
            add_org(admin, parent_id=world["root"], name="Evil\x00Org")
        assert refused.value.field == "name"


@pytest.mark.parametrize("field", ["agent_version", "hostname", "os_version"])
def test_an_agent_text_with_a_nul_is_refused_naming_the_field(app, client, world, field):
    response = register(client, app, world, **{field: "1.0\x00.0"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid_field", field) and "NUL" in error["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device).where(Device.hostname == "una-laptop")) == 0


@pytest.mark.parametrize("count", [2**70, "1e400"])
def test_an_agent_number_beyond_64_bits_is_a_400(app, client, world, count):
    answer = register(client, app, world).get_json()
    body = '{"backup": [{"destination_guid": "x", "selected_files": %s}]}' % count
    response = client.post(f"{API}/heartbeat", data=body, content_type="application/json", headers=auth(answer))
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["backup_sets-²-name", "backup_sets-٣-name", "window_start"])
def test_unicode_digits_in_form_field_names_and_values_are_refused_next_to_the_field(client, sign_in, world, name):
    sign_in("admin@acme.test")
    client.post(f"/orgs/{world['eng']}/settings/backup/own")
    response = client.post(f"/orgs/{world['eng']}/settings/backup",
                           data={name: "٢٢:٠٠", "mode": "save", "backup_sets-new-name": ""})
    assert response.status_code == 422


@pytest.mark.parametrize("version", ["١١.٦.٠", "11.²"])
def test_a_version_in_other_digits_is_refused(client, sign_in, world, version):
    sign_in("admin@acme.test")
    response = client.post("/updates/", data={"version": version, "platform": "windows", "released_on": "2024-01-01"})
    assert response.status_code == 422


@pytest.mark.parametrize("target", ["/devices/\r\nSet-Cookie: hostile=1", "/x\ny", "/x\ty"])
def test_a_line_break_in_next_is_a_400_naming_it(client, world, target):
    response = client.get("/auth/signin", query_string={"next": target})
    assert response.status_code == 400
    assert "“next” must be an address in this console" in response.get_data(as_text=True)
    assert "hostile" not in response.headers.get("Set-Cookie", "")
    assert client.post("/account/locale", data={"locale": "fr", "next": target}).status_code == 400


@pytest.mark.parametrize("header", ["http://[::1", "http://localhost:99999/forensic-search/", "http://[x]/"])
def test_a_malformed_hx_current_url_is_a_400_naming_the_header(client, sign_in, world, header):
    sign_in("admin@acme.test")
    response = client.get("/forensic-search/rows", headers={**HX, "HX-Current-URL": header})
    assert response.status_code == 400
    assert "HX-Current-URL" in response.get_data(as_text=True)


EDGES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


@pytest.mark.parametrize("moment", EDGES)
def test_an_agent_time_outside_the_calendar_in_utc_is_a_400_naming_it(app, client, world, moment):
    answer = register(client, app, world).get_json()
    with app.app_context():
        cloud = Destination(name="Cloud", kind="cloud")
        db.session.add(cloud)
        db.session.commit()
        guid = cloud.guid
    body = {"backup": [{"destination_guid": guid, "last_backup": moment}]}
    response = client.post(f"{API}/heartbeat", json=body, headers=auth(answer))
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "backup[0].last_backup"
    event = {"eventId": "edge-1", "eventType": "CREATED", "eventTimestamp": moment, "fileName": "a.txt",
             "filePath": "/home/una/", "deviceUserName": "user@acme.test"}
    response = client.post(f"{API}/file-events", json={"events": [event]}, headers=auth(answer))
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "events[0].eventTimestamp"


@pytest.mark.parametrize("url", ["/audit/?since=0001-01-01", "/forensic-search/?range=custom&from=0001-01-01"])
def test_dates_at_the_calendars_start_are_answered(client, sign_in, world, url):
    sign_in("admin@acme.test")
    assert client.get(url).status_code < 500


@pytest.mark.parametrize("url", ["/audit/?until=9999-12-31",
                                 "/forensic-search/?range=custom&from=2024-01-01&to=9999-12-31",
                                 "/forensic-search/?f1=eventTimestamp&o1=on_or_before&v1=9999-12-31"])
def test_dates_at_the_calendars_end_in_list_filters_are_answered(client, sign_in, world, url):
    sign_in("admin@acme.test")
    assert client.get(url).status_code < 500


@pytest.mark.parametrize("url", [f"/users/?org={BEYOND_64_BITS}", f"/devices/?org={2**63}",
                                 f"/forensic-search/?f1=fileSize&o1=is&v1={BEYOND_64_BITS}"])
def test_integers_beyond_64_bits_in_list_filters_are_answered(client, sign_in, world, url):
    sign_in("admin@acme.test")
    assert client.get(url).status_code < 500
