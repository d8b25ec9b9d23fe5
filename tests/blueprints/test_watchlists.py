"""Watchlists in the browser: the lists, quick filters, adding, removing, profiles, and who may do what."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.blueprints.test_risk_exposure import exposures  # noqa: F401 (fixture)
from tests.conftest import HX
from webconsole.extensions import db
from webconsole.models import AuditEvent
from webconsole.models.base import utcnow
from webconsole.models.watchlists import RiskProfile, WatchlistMember


@pytest.fixture
def watch(exposures, make_user):  # noqa: F811
    exposures["viewer"] = make_user("viewer@acme.test", "insider_risk_analyst", exposures["root"])
    return exposures


def add(client, watchlist, *ids, **fields):
    return client.post("/watchlists/add", data={"list": watchlist, "user_ids": [str(i) for i in ids], **fields})


def test_adding_a_departing_employee_shows_them_with_their_date_and_counts(app, client, sign_in, watch):
    sign_in("analyst@acme.test")
    today = utcnow().date()
    page = client.get(f"/watchlists/add?list=departing&user={watch['user']}").get_data(as_text=True)
    assert 'value="%d" checked' % watch["user"] in page and "Departure date" in page
    response = add(client, "departing", watch["user"], departure_date=today.isoformat(), notes="Leaving Friday",
                   cloud_aliases="una@gmail.test")
    assert response.status_code == 302 and response.headers["Location"].endswith("/watchlists/departing/")
    html = client.get("/watchlists/departing/").get_data(as_text=True)
    assert "user@acme.test" in html.split("<tbody")[1] and "Platform" in html.split("<tbody")[1]
    assert f"/user-activity/?user={watch['user']}" in html
    assert "f1=deviceUserName&amp;o1=is&amp;v1=user@acme.test" in html
    def count(key):
        return client.get(f"/watchlists/departing/counts/{key}", headers=HX).get_data(as_text=True).strip()
    assert 'data-quick="leaving_today"' in html and "/watchlists/departing/counts/leaving_today" in html
    # The exposure fixture's events are 1 to 40 days old: none in the last 24 hours, some within 30 days.
    assert (count("leaving_today"), count("leaving_30d"), count("exposure_24h"), count("exposure_30d")) == \
        ("1", "1", "0", "1")
    assert "user@acme.test" in client.get("/watchlists/departing/?quick=leaving_today").get_data(as_text=True)
    assert "user@acme.test" not in client.get("/watchlists/departing/?quick=exposure_24h").get_data(as_text=True)
    again = add(client, "departing", watch["user"])
    assert again.status_code == 422 and "Already on this list: user@acme.test." in again.get_data(as_text=True)
    profile = client.get(f"/user-activity/?user={watch['user']}").get_data(as_text=True)
    assert "Departing Employees" in profile and "Leaving Friday" in profile and "una@gmail.test" in profile


def test_high_risk_factors_edit_and_removal_with_confirmation(app, client, sign_in, watch):
    sign_in("analyst@acme.test")
    assert add(client, "high_risk", watch["user"], watch["seller"],
               risk_factors=["flight_risk", "elevated_access"]).status_code == 302
    html = client.get("/watchlists/?list=high_risk", follow_redirects=True).get_data(as_text=True)
    assert "Flight risk" in html and "Elevated access privileges" in html and "seller@acme.test" in html
    edit = client.post(f"/watchlists/profile/{watch['user']}", data={
        "departure_date": (utcnow().date() + timedelta(days=5)).isoformat(), "risk_factors": ["contract_employee"],
        "notes": "Contract ends", "cloud_aliases": ""})
    assert edit.status_code == 302
    with app.app_context():
        assert db.session.get(RiskProfile, watch["user"]).risk_factors == ["contract_employee"]
    confirm = client.get(f"/watchlists/high_risk/{watch['user']}/remove").get_data(as_text=True)
    assert "Remove" in confirm and "user@acme.test" not in client.get(f"/watchlists/high_risk/{watch['user']}/remove",
                                                                     follow_redirects=False).headers.get("Location", "")
    assert client.post(f"/watchlists/high_risk/{watch['user']}/remove").status_code == 302
    history = client.get("/watchlists/history/").get_data(as_text=True)
    assert history.split("<tbody")[1].count(">user@acme.test<") == 2 and "Removed" in history
    with app.app_context():
        kinds = db.session.scalars(select(AuditEvent.event_type).where(AuditEvent.event_type.like("watchlist.%")))
        assert {"watchlist.add", "watchlist.remove", "watchlist.profile"} <= set(kinds)


def test_hostile_values_are_answered_beside_the_field(app, client, sign_in, watch):
    sign_in("analyst@acme.test")
    for fields in ({"departure_date": "3000-01-01"}, {"departure_date": "tomorrow"}, {"notes": "x" * 1001},
                   {"cloud_aliases": "<script>@x"}):
        response = add(client, "departing", watch["user"], **fields)
        assert response.status_code == 422, fields
        assert "<script>@x" not in response.get_data(as_text=True)
    for ids in (["abc"], ["9" * 30], ["999999"], []):
        assert add(client, "departing", *ids).status_code == 422
    assert add(client, "high_risk", watch["user"], risk_factors=["nope"]).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(WatchlistMember)) == 0
    for url in ("/watchlists/departing/?quick=nope", "/watchlists/high-risk/?quick=leaving_today",
                "/watchlists/?list=%00", "/watchlists/candidates?q=%00%01", "/watchlists/candidates?user_ids=x",
                "/user-activity/?user=abc", "/user-activity/users?q=" + "a" * 500):
        assert client.get(url).status_code in (200, 302, 400), url
    assert client.get("/watchlists/nope/counts/exposure_30d").status_code == 404
    assert client.get("/watchlists/high_risk/counts/leaving_today").status_code == 404
    assert client.get("/watchlists/nope/1/remove").status_code == 404


def test_who_may_see_and_change(app, client, sign_in, watch):
    sign_in("viewer@acme.test")  # Insider Risk Analyst: sees, does not change
    assert client.get("/watchlists/departing/").status_code == 200
    assert "Add employees" not in client.get("/watchlists/departing/").get_data(as_text=True)
    assert add(client, "departing", watch["user"]).status_code == 403
    client.get("/auth/signout")
    for who in ("orgadmin@acme.test", "helpdesk@acme.test", "user@acme.test"):
        sign_in(who)
        for url in ("/watchlists/departing/", "/watchlists/history/", "/watchlists/candidates?q=us"):
            assert client.get(url).status_code == 403, (who, url)
        assert "/watchlists/" not in client.get("/account/profile").get_data(as_text=True)
        client.get("/auth/signout")


def test_search_as_you_type_keeps_the_chosen_users(client, sign_in, watch):
    sign_in("analyst@acme.test")
    html = client.get(f"/watchlists/candidates?q=seller&user_ids={watch['user']}", headers=HX).get_data(as_text=True)
    assert f'value="{watch["user"]}" checked' in html and f'value="{watch["seller"]}">' in html


def test_user_activity_picker_and_the_profile_from_a_users_page(client, sign_in, watch):
    sign_in("analyst@acme.test")
    picker = client.get("/user-activity/").get_data(as_text=True)
    assert 'id="user-pick"' in picker
    picks = client.get("/user-activity/users?q=seller", headers=HX).get_data(as_text=True)
    assert f"/user-activity/?user={watch['seller']}" in picks
    add(client, "departing", watch["seller"])
    assert "seller@acme.test" in client.get("/user-activity/").get_data(as_text=True)  # a watched user
    profile = client.get(f"/user-activity/?user={watch['user']}").get_data(as_text=True)
    assert "Security events" in profile and 'id="user-alerts"' in profile and 'id="user-cases"' in profile
    client.get("/auth/signout")
    sign_in("admin@acme.test")
    assert f"/watchlists/user/{watch['user']}" in client.get(f"/users/{watch['user']}").get_data(as_text=True)
    fragment = client.get(f"/watchlists/user/{watch['user']}", headers=HX).get_data(as_text=True)
    assert f"/watchlists/add?list=departing&amp;user={watch['user']}" in fragment


def test_the_list_scrolls_by_departure_date(app, client, sign_in, watch, make_user):
    sign_in("analyst@acme.test")
    today = utcnow().date()
    ids = [make_user(f"leaver{n}@acme.test", None, watch["platform"]) for n in range(7)]
    for n, user_id in enumerate(ids):
        assert add(client, "departing", user_id, departure_date=(today + timedelta(days=7 - n)).isoformat()
                   ).status_code == 302
    import re
    first = client.get("/watchlists/departing/?sort=departure_date&dir=asc", headers=HX).get_data(as_text=True)
    rows_url = re.search(r'hx-get="([^"]*/rows\?cursor=[^"]*)"', first).group(1).replace("&amp;", "&")
    rest = client.get(rows_url, headers=HX)
    assert rest.status_code == 200
    shown = re.findall(r"leaver(\d)@acme.test</a>", first + rest.get_data(as_text=True))
    assert shown == ["6", "5", "4", "3", "2", "1", "0"]  # the soonest departure first


def test_the_profile_shows_the_users_alerts_cases_and_security_events(app, client, sign_in, watch):
    from webconsole.models import AlertRule, Case
    from webconsole.models.alerts import Alert
    with app.app_context():
        rule = AlertRule(name="USB copies", severity="high", vector="removable_media", threshold_kind="files",
                         threshold=20, window_amount=1, window_unit="hours")
        db.session.add(rule)
        db.session.flush()
        now = utcnow()
        for state in ("open", "in_progress", "resolved"):
            db.session.add(Alert(rule_id=rule.id, user_id=watch["user"], org_id=watch["platform"],
                                 username="user@acme.test", name="USB copies", severity="high",
                                 vector="removable_media", state=state, file_count=30, first_event_at=now,
                                 last_event_at=now, threshold_kind="files", threshold=20, window_amount=1,
                                 window_unit="hours"))
        db.session.add(Case(name="Copies before leaving", subject_user_id=watch["user"],
                            subject_username="user@acme.test"))
        db.session.commit()
    sign_in("user@acme.test")  # a sign-in of theirs: a security event
    client.get("/auth/signout")
    sign_in("analyst@acme.test")
    html = client.get(f"/user-activity/?user={watch['user']}").get_data(as_text=True)
    alerts = html.split('id="user-alerts"')[1].split("</section>")[0]
    assert "2 unresolved alerts" in alerts and alerts.count("USB copies") == 3 and "In progress" in alerts
    assert "Copies before leaving" in html.split('id="user-cases"')[1]
    events = html.split('id="security-events"')[1]
    assert "Signed in" in events and "user@acme.test" in events
