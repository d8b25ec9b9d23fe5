"""A list's choice of columns (Forensic Search offers one): shown, read, exported, refused, reset."""
import csv
import io
import re

import pytest
from sqlalchemy import event as sa_event

from tests.blueprints.test_file_event_upload import event as raw_event
from tests.blueprints.test_forensic_search import at, investigation  # noqa: F401 (a fixture)
from tests.conftest import HX, PASSWORD, base_config
from webconsole import create_app
from webconsole.domain import events
from webconsole.extensions import db
from webconsole.models import Device

SEARCH = "/forensic-search/?range=P90D&f1=exposure&o1=is&v1=RemovableMedia"


def headings(html):
    """The list's column headings, less "Select" (the rows' checkboxes an investigator who opens cases has)."""
    return [h for h in _headings(html) if h != "Select"]


def _headings(html):
    return re.findall(r'<th scope="col"[^>]*>\s*(?:<a[^>]*>|<span class="heading">)([^<]+)<', html)


def choose(client, *columns, next_url=SEARCH, **extra):
    return client.post("/forensic-search/columns", data={"column": list(columns), "next": next_url, **extra})


@pytest.fixture
def statements(app):
    """The SQL statements run while the test makes requests."""
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    sa_event.listen(engine, "before_cursor_execute", listener)
    yield seen
    sa_event.remove(engine, "before_cursor_execute", listener)


def test_the_default_columns_leave_the_optional_ones_out(client, sign_in, investigation):  # noqa: F811
    sign_in("analyst@acme.test")
    html = client.get(SEARCH).get_data(as_text=True)
    # The defaults fit a 1440 px window; the category, hostname and hashes are offered in the choice.
    assert headings(html) == ["Time", "Event", "File name", "Path", "Size", "User", "Exposure"]
    # The choice offers every column but the time (it opens the details), ticked as shown.
    assert '<input type="checkbox" name="column" value="exposure" checked> Exposure' in html
    assert '<input type="checkbox" name="column" value="sha256" > SHA-256' in html
    assert 'name="column" value="event_at"' not in html


def test_chosen_columns_are_shown_read_and_exported(client, sign_in, investigation, statements):  # noqa: F811
    sign_in("analyst@acme.test")
    response = choose(client, "file_name", "media_volume", "os_user", "risk_severity")
    assert response.status_code == 303 and response.headers["Location"] == SEARCH
    statements.clear()
    html = client.get(SEARCH).get_data(as_text=True)
    assert headings(html) == ["Time", "File name", "Operating system user", "Removable media volume",
                              "Risk severity"]
    # A text cell carries its whole value in a title, shown on hover when the column cuts it.
    assert "<td class=\"\" title=\"KINGSTON\">KINGSTON</td>" in html and "plans.docx" in html
    query = next(s for s in statements if "FROM file_events" in s and "LIMIT" in s and "count" not in s.lower())
    assert "os_user" in query and "removable_media" in query
    assert "sha256" not in query.split("FROM")[0] and "file_path" not in query.split("FROM")[0]  # hidden: not read
    rows = list(csv.reader(io.StringIO(client.get("/forensic-search/export.csv?" + SEARCH.split("?")[1])
                                       .get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Time", "File name", "Operating system user", "Removable media volume", "Risk severity"]
    assert [r[1] for r in rows[1:]] == ["plans.docx", "'=HYPERLINK(\"x\").xlsx", "old-usb.txt"]
    assert {r[3] for r in rows[1:]} == {"KINGSTON"}


def test_the_choice_is_kept_per_user_and_list_and_follows_scrolling(app, client, sign_in, investigation):  # noqa: F811
    with app.app_context():  # more events than a page holds
        laptop = db.session.get(Device, investigation["user_laptop"])
        events.store([events.parse_event(raw_event(fileName=f"more-{n}.txt", eventTimestamp=at(10 + n)))
                      for n in range(4)], "more", {"device_id": laptop.id, "user_id": laptop.user_id,
                                                   "org_id": laptop.org_id})
    sign_in("analyst@acme.test")
    choose(client, "file_name")
    first = client.get("/forensic-search/?range=P90D", headers=HX).get_data(as_text=True)
    assert headings(first) == ["Time", "File name"]
    more = re.search(r'hx-get="([^"]*/rows\?cursor=[^"]*)"', first).group(1).replace("&amp;", "&")
    rows = re.findall(r"<tr>(.*?)</tr>", client.get(more, headers=HX).get_data(as_text=True), re.S)
    assert len(rows) == 4 and all(row.count("<td") == 3 for row in rows)  # the checkbox, time, file name
    other = app.test_client()
    other.post("/auth/signin", data={"username": "analyst2@acme.test", "password": PASSWORD})
    assert "Exposure" in headings(other.get(SEARCH).get_data(as_text=True))
    assert headings(client.get("/devices/").get_data(as_text=True)) == headings(
        other.get("/devices/").get_data(as_text=True))


def test_the_defaults_come_back_on_reset(client, sign_in, investigation):  # noqa: F811
    sign_in("analyst@acme.test")
    choose(client, "md5")
    assert headings(client.get(SEARCH).get_data(as_text=True)) == ["Time", "MD5"]
    response = choose(client, "md5", reset="1")
    assert response.status_code == 303
    assert "MD5" not in headings(client.get(SEARCH).get_data(as_text=True))


def test_an_unknown_column_is_refused_by_name(client, sign_in, investigation):  # noqa: F811
    sign_in("analyst@acme.test")
    response = choose(client, "file_name", "password_hash")
    assert response.status_code == 422
    assert "Unknown column “password_hash”." in response.get_data(as_text=True)
    assert "Exposure" in headings(client.get(SEARCH).get_data(as_text=True))  # nothing changed


@pytest.mark.parametrize("next_url", ["https://evil.test/forensic-search/", "//evil.test/forensic-search/",
                                      "/users/", ""])
def test_only_this_lists_own_url_is_followed_back(client, sign_in, investigation, next_url):  # noqa: F811
    sign_in("analyst@acme.test")
    assert choose(client, "file_name", next_url=next_url).headers["Location"] == "/forensic-search/"


def test_a_choice_needs_the_permission_and_a_csrf_token(database_url, client, sign_in, investigation):  # noqa: F811
    sign_in("orgadmin@acme.test")
    assert choose(client, "file_name").status_code == 403
    assert client.post("/users/columns", data={"column": "name"}).status_code in (404, 405)  # no choice there
    guarded = create_app({**base_config(database_url), "WTF_CSRF_ENABLED": True}).test_client()
    signin = guarded.get("/auth/signin").get_data(as_text=True)
    guarded.post("/auth/signin", data={"username": "analyst@acme.test", "password": PASSWORD, "csrf_token": re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', signin).group(1)})
    refused = choose(guarded, "file_name")
    assert refused.status_code == 400 and "security token" in refused.get_data(as_text=True)
    page = guarded.get(SEARCH).get_data(as_text=True)
    token = re.search(r'class="column-form"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
                      page).group(1)
    assert choose(guarded, "file_name", csrf_token=token).status_code == 303


def test_hostile_values_stay_text_in_the_optional_columns(app, client, sign_in, investigation):  # noqa: F811
    hostile = {"tabUrls": ["javascript:alert(1)", "<img src=x onerror=alert(2)>"], "exposure": ["ApplicationRead"],
               "emailSubject": "<script>alert(3)</script>", "emailRecipients": ["<b>x</b>@evil.test"],
               "syncDestination": None, "riskSeverity": "HIGH", "eventTimestamp": at(1)}
    with app.app_context():
        laptop = db.session.get(Device, investigation["user_laptop"])
        events.store([events.parse_event(raw_event(**hostile))], "hostile", {"device_id": laptop.id,
                     "user_id": laptop.user_id, "org_id": laptop.org_id})
    sign_in("analyst@acme.test")
    choose(client, "tab_urls", "email_subject", "email_recipients", "risk_severity", "source")
    html = client.get("/forensic-search/?f1=exposure&v1=ApplicationRead").get_data(as_text=True)
    hostile_urls = "javascript:alert(1), &lt;img src=x onerror=alert(2)&gt;"
    assert f"<td class=\"\" title=\"{hostile_urls}\">{hostile_urls}</td>" in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html and "&lt;b&gt;x&lt;/b&gt;@evil.test" in html
    assert '<td class="" title="High">High</td>' in html and '<td class="" title="Endpoint">Endpoint</td>' in html
    assert "<script>alert" not in html and "<img src=x" not in html
