import csv
import io

from tests.conftest import HX


def test_sign_ins_and_sign_outs_appear_in_the_audit_log(client, sign_in, world):
    sign_in("helpdesk@acme.test", "wrong")
    sign_in("helpdesk@acme.test")
    client.post("/auth/signout")
    sign_in("auditor@acme.test")
    html = client.get("/audit/?actor=helpdesk").get_data(as_text=True)
    assert html.count("helpdesk@acme.test") >= 3
    for label in ("Sign-in failed", "Signed in", "Signed out"):
        assert label in html


def test_filters_by_event_and_date(client, sign_in, world):
    sign_in("helpdesk@acme.test", "wrong")
    sign_in("auditor@acme.test")
    html = client.get("/audit/?event=signin.failed", headers=HX).get_data(as_text=True)
    assert "Sign-in failed" in html and "Signed in" not in html
    html = client.get("/audit/?since=2000-01-01&until=2000-01-02", headers=HX).get_data(as_text=True)
    assert "Nothing matches" in html


def test_a_malformed_date_is_named_next_to_its_filter(client, sign_in, world):
    sign_in("auditor@acme.test")
    response = client.get("/audit/?since=yesterday")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "Enter a date such as 12/31/2026." in html
    assert 'value="yesterday"' in html
    assert "Signed in" in html  # the rest of the list still shows


def test_export_is_csv_of_the_filtered_log_with_formulas_neutralised(client, sign_in, world):
    sign_in("=HYPERLINK(\"http://evil.test\")@acme.test", "x")
    sign_in("auditor@acme.test")
    response = client.get("/audit/export.csv?event=signin.failed")
    assert response.mimetype == "text/csv"
    assert 'filename="audit-log-' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Date", "Actor", "IP address", "Event"]
    assert len(rows) == 2
    assert rows[1][1].startswith("'=hyperlink")  # usernames are stored lower-case
    assert rows[1][3] == "Sign-in failed"


def test_only_audit_roles_reach_the_log(client, sign_in, world):
    sign_in("orgadmin@acme.test")
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_no_door_changes_or_deletes_an_entry(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
