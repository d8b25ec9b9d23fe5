"""Dates and times are typed and shown in the console's locale in every door of the browser, while the
links the console builds keep YYYY-MM-DD."""
from datetime import date, timedelta

from sqlalchemy import select

from tests.blueprints.test_settings_views import post_form
from tests.conftest import HX
from webconsole.extensions import db
from webconsole.models import AgentVersion, AuditEvent, SavedSearch
from webconsole.models.base import utcnow
from webconsole.models.watchlists import RiskProfile


def german(client):
    client.set_cookie("locale", "de")


def test_a_german_audit_log_filter_takes_and_shows_dd_mm_yyyy(client, sign_in, world):
    sign_in("auditor@acme.test")
    german(client)
    response = client.get("/audit/?since=01.01.2000&until=31.12.2026")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="01.01.2000"' in html and 'value="31.12.2026"' in html
    assert 'type="date"' not in html and 'placeholder="31.12.2026"' in html
    assert 'aria-invalid="true"' not in html and "Angemeldet" in html  # the sign-in is within the range
    # The sort links, the count and the export carry the days as YYYY-MM-DD.
    assert "since=2000-01-01" in html and "until=2026-12-31" in html and "31.12.2026&" not in html
    # Opened from a link, a day in YYYY-MM-DD shows in the German form.
    iso = client.get("/audit/?since=2026-12-31").get_data(as_text=True)
    assert 'value="31.12.2026"' in iso
    nothing = client.get("/audit/?since=31.12.2026", headers=HX).get_data(as_text=True)
    assert "Angemeldet" not in nothing


def test_htmx_keeps_the_search_in_history_with_iso_days(client, sign_in, world):
    sign_in("auditor@acme.test")
    german(client)
    typed = client.get("/audit/?q=&since=31.12.2025&event=", headers=HX)
    assert typed.headers["HX-Push-Url"] == "/audit/?sort=at&dir=desc&since=2025-12-31"
    assert "HX-Push-Url" not in client.get("/audit/?since=2025-12-31", headers=HX).headers
    assert "HX-Push-Url" not in client.get("/audit/?since=31.02.2025", headers=HX).headers  # kept as typed


def test_a_bad_date_is_named_with_an_example_in_the_user_s_form(client, sign_in, world):
    sign_in("auditor@acme.test")
    german(client)
    for typed in ("31.02.2026", "31.12.26", "²", "٣١.١٢.٢٠٢٦", "9" * 25, "9999-12-31", "10000-01-01"):
        response = client.get("/audit/", query_string={"since": typed})
        assert response.status_code == 200, typed
        html = response.get_data(as_text=True)
        assert 'aria-invalid="true"' in html and "31.12.2026" in html.split('class="field-error"')[1], typed
    client.set_cookie("locale", "en_US")
    html = client.get("/audit/?since=31.12.2026").get_data(as_text=True)
    assert "Enter a date such as 12/31/2026." in html


def test_a_german_backup_window_is_typed_as_22_00_and_an_american_one_as_10_00_pm(client, sign_in, world):
    sign_in("admin@acme.test")
    german(client)
    page = f"/orgs/{world['eng']}/settings/backup"
    client.post(f"{page}/own")
    response = client.post(page, data={**post_form("backup", window_start="21:30", window_end="6:15"),
                                       "mode": ["save"]})
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert 'value="21:30"' in html and 'value="06:15"' in html and 'type="time"' not in html
    client.set_cookie("locale", "en_US")
    html = client.get(page).get_data(as_text=True)
    assert 'value="9:30 PM"' in html and 'value="6:15 AM"' in html
    assert "The device's local time, such as 10:00 PM." in html
    response = client.post(page, data={**post_form("backup", window_start="10:00 PM"), "mode": ["save"]})
    assert response.status_code == 302
    german(client)
    assert 'value="22:00"' in client.get(page).get_data(as_text=True)


def test_a_bad_time_is_answered_beside_its_field_as_typed(client, sign_in, world):
    sign_in("admin@acme.test")
    device = f"/devices/{world['seller_laptop']}/settings/backup"
    for typed in ("25:00", "13:00 PM", "²2:00", "9" * 25):
        response = client.post(device, data=post_form("backup", window_start=typed))
        assert response.status_code == 422, typed
        html = response.get_data(as_text=True)
        assert "Enter a time such as 10:00 PM." in html and f'value="{typed}"' in html


def test_forensic_search_dates_typed_in_german_go_to_an_iso_address(client, sign_in, world):
    sign_in("admin@acme.test")
    german(client)
    response = client.get("/forensic-search/?range=custom&from=01.12.2026&to=31.12.2026"
                          "&f1=eventTimestamp&o1=on_or_after&v1=２.１２.２０２６")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "from=2026-12-01" in location and "to=2026-12-31" in location and "v1=2026-12-02" in location
    html = client.get(location).get_data(as_text=True)
    assert 'value="01.12.2026"' in html and 'value="31.12.2026"' in html and 'value="02.12.2026"' in html
    assert 'type="date"' not in html and "from=01.12.2026" not in html
    bad = client.get("/forensic-search/?range=custom&from=31.02.2026")
    assert bad.status_code == 200 and 'value="31.02.2026"' in bad.get_data(as_text=True)


def test_a_search_saved_with_german_dates_keeps_them_as_iso(app, client, sign_in, world):
    sign_in("admin@acme.test")
    german(client)
    saved = client.post("/forensic-search/saved", data={
        "name": "December", "query": "range=custom&from=01.12.2026&f1=eventTimestamp&o1=on_or_before&v1=24.12.2026"})
    assert saved.status_code == 302
    with app.app_context():
        query = db.session.scalar(select(SavedSearch.query).where(SavedSearch.name == "December"))
    assert "from=2026-12-01" in query and "v1=2026-12-24" in query


def test_a_collection_s_range_is_typed_in_german(app, client, sign_in, world):
    from webconsole.domain.collections import _day
    with app.test_request_context(headers={"Cookie": "locale=de"}):
        assert _day("31.12.2026", "date_to", end=True).date() == date(2026, 12, 31)
        assert _day("2026-12-31", "date_to").date() == date(2026, 12, 31)
        for typed in ("31.12.1969", "31.02.2026", "²"):
            try:
                _day(typed, "date_from")
            except Exception as error:  # noqa: BLE001 (asserted just below)
                assert "31.12.2026" in str(error) or "01.01.1970" in str(error), typed
            else:
                raise AssertionError(typed)


def test_release_and_departure_dates_are_typed_in_the_user_s_form(app, client, sign_in, world, make_user):
    sign_in("admin@acme.test")
    german(client)
    page = client.get("/updates/").get_data(as_text=True)
    assert 'placeholder="31.12.2026"' in page and 'type="date"' not in page
    response = client.post("/updates/", data={"version": "11.8.0", "platform": "linux", "released_on": "31.12.2026"})
    assert response.status_code == 302
    bad = client.post("/updates/", data={"version": "11.9.0", "platform": "linux", "released_on": "12/31/2026"})
    assert bad.status_code == 422 and "31.12.2026" in bad.get_data(as_text=True)
    assert 'value="12/31/2026"' in bad.get_data(as_text=True)
    soon = utcnow().date() + timedelta(days=10)
    shown = soon.strftime("%d.%m.%Y")
    user = world["user"]
    edit = client.post(f"/watchlists/profile/{user}", data={"departure_date": shown, "notes": "", "cloud_aliases": ""})
    assert edit.status_code == 302
    assert f'value="{shown}"' in client.get(f"/watchlists/profile/{user}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AgentVersion.released_on).where(AgentVersion.version == "11.8.0")) == \
            date(2026, 12, 31)
        assert db.session.get(RiskProfile, user).departure_date == soon
        details = db.session.scalars(select(AuditEvent.details).where(AuditEvent.event_type == "watchlist.profile"))
        assert all(shown not in str(d) for d in details)  # the audit log keeps the day as YYYY-MM-DD
