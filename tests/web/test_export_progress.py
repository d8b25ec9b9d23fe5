"""Export progress: an export started with a token says how far it has got, to its user, until it ends."""
import csv
import io
import json
import re

import pytest
from sqlalchemy import func, select

from tests.blueprints.test_forensic_search import investigation  # noqa: F401 (a fixture)
from tests.conftest import HX
from webconsole.domain import exports
from webconsole.extensions import db
from webconsole.models import ExportProgress
from webconsole.web import list_views

pytestmark = pytest.mark.committed  # an export's progress is written on a connection of its own

TOKEN = "0123456789abcdef0123456789abcdef"
QUERY = "range=P90D"  # the investigation's five events


def progress(client, token=TOKEN, tries=0):
    return client.get(f"/forensic-search/export/progress?token={token}&tries={tries}", headers=HX) \
        .get_data(as_text=True)


def polls_again(html):
    return 'hx-trigger="load delay:1s"' in html


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(list_views, "EXPORT_BATCH", 2)
    monkeypatch.setattr(exports, "PROGRESS_INTERVAL", 0)


def test_progress_shows_while_the_export_streams_and_when_it_is_done(client, sign_in, investigation,  # noqa: F811
                                                                      small_batches):
    sign_in("analyst@acme.test")
    waiting = progress(client)
    assert "Preparing the export…" in waiting and polls_again(waiting)
    response = client.get(f"/forensic-search/export.json?{QUERY}&progress={TOKEN}", buffered=False)
    body = iter(response.response)
    received = [next(body) for _ in range(4)]  # "[", then an event at a time: the third needs a second batch
    running = progress(client)
    assert "2 of about 5 events exported" in running and polls_again(running)
    assert re.search(r'<progress max="5" value="2"', running)
    received += list(body)
    items = json.loads(b"".join(received))
    assert len(items) == 5
    done = progress(client)
    assert "Export finished: 5 events." in done and not polls_again(done)


def test_a_csv_export_reports_the_rows_it_wrote(client, sign_in, investigation):  # noqa: F811
    sign_in("analyst@acme.test")
    body = client.get(f"/forensic-search/export.csv?{QUERY}&f1=exposure&v1=RemovableMedia&progress={TOKEN}")
    rows = list(csv.reader(io.StringIO(body.get_data().decode("utf-8-sig"))))
    assert len(rows) == 1 + 3
    assert "Export finished: 3 events." in progress(client)


def test_a_cancelled_download_says_the_export_stopped(client, sign_in, investigation, small_batches):  # noqa: F811
    sign_in("analyst@acme.test")
    response = client.get(f"/forensic-search/export.json?{QUERY}&progress={TOKEN}", buffered=False)
    body = iter(response.response)
    next(body), next(body)
    response.close()  # what the server does when the browser cancels the download
    stopped = progress(client)
    assert "The export stopped before it finished." in stopped and not polls_again(stopped)


def test_progress_is_only_shown_to_the_user_who_exports(app, client, sign_in, investigation):  # noqa: F811
    sign_in("analyst@acme.test")
    client.get(f"/forensic-search/export.csv?{QUERY}&progress={TOKEN}").get_data()
    client.get("/auth/signout")
    sign_in("analyst2@acme.test")
    assert "Preparing the export…" in progress(client)  # not theirs: as if it had not started
    assert "The export did not start." in progress(client, tries=60)


def test_without_a_token_an_export_is_a_plain_download(app, client, sign_in, investigation):  # noqa: F811
    sign_in("analyst@acme.test")
    assert client.get(f"/forensic-search/export.csv?{QUERY}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ExportProgress)) == 0


@pytest.mark.parametrize("url", [
    f"/forensic-search/export.csv?{QUERY}&progress=short",
    f"/forensic-search/export.json?{QUERY}&progress=%3Cscript%3E0123456789abcdef",
    "/forensic-search/export/progress?token=../../etc",
])
def test_a_malformed_token_is_refused(client, sign_in, investigation, url):  # noqa: F811
    sign_in("analyst@acme.test")
    response = client.get(url)
    assert response.status_code == 400
    assert "progress token is not valid" in response.get_data(as_text=True)


def test_the_export_links_offer_progress_on_the_page(client, sign_in, investigation):  # noqa: F811
    sign_in("analyst@acme.test")
    html = client.get("/forensic-search/").get_data(as_text=True)
    assert html.count('data-export-progress="/forensic-search/export/progress"') == 2
    assert 'id="export-status"' in html
