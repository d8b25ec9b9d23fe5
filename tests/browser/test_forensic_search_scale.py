"""Forensic Search over a million demo events: an investigation from filter rows to a reopened saved search,
and Risk Exposure's figures landing on the searches that list them.

The million events live in a database of their own, loaded once for this module, so that the rest of
the browser suite keeps its small data set (and its speed). BROWSER_SCALE_EVENTS changes how many.
"""
import csv
import os
import re
import threading
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_forensic_search import choose_field
from tests.conftest import base_config
from webconsole import create_app
from webconsole.demo.data import load_demo
from webconsole.domain.events import EXPOSURE_BITS
from webconsole.extensions import db
from webconsole.models import FileEvent
from webconsole.models.base import utcnow
from webconsole.web.labels import FILE_CATEGORIES

pytestmark = pytest.mark.scale  # once in CI, on SQLite: scripts/run-tests.sh

EVENTS = int(os.environ.get("BROWSER_SCALE_EVENTS", 1_000_000))
RESULTS = "#list-forensic_search"


@pytest.fixture(scope="module")
def scale_database(tmp_path_factory):
    """SQLite in a temporary folder, or a fresh database beside the browser suite's PostgreSQL one; removed
    afterwards (a million events take about a gigabyte)."""
    url = os.environ.get("BROWSER_DATABASE_URL")
    if not url:
        folder = tmp_path_factory.mktemp("scale")
        yield "sqlite:///" + str(folder / "scale.db")
        for file in folder.iterdir():
            file.unlink()
        return
    server = make_url(url)
    name = f"{server.database}_scale"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()


@pytest.fixture(scope="module")
def scale_app(scale_database):
    config = {**base_config(scale_database), "WTF_CSRF_ENABLED": True, "LIST_PAGE_SIZE": 50,
              "TESTING": False, "DEMO_PASSWORD": DEMO_PASSWORD, "SIGNIN_MAX_FAILURES": 1000}
    app = create_app(config)
    with app.app_context():
        upgrade()
        load_demo(DEMO_PASSWORD, users=200, devices=400, events=EVENTS)
    yield app
    with app.app_context():
        db.engine.dispose()  # its connections closed, so that the database can go


@pytest.fixture(scope="module")
def scale_url(scale_app):
    server = make_server("127.0.0.1", 0, scale_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def count(app, *conditions, at=None):
    """How many events of the 30 days before `at` (now) meet `conditions`, counted straight from the table."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(FileEvent).where(
            FileEvent.event_at >= (at or utcnow()) - timedelta(days=30), *conditions))


class Window:
    """The moments around what a test does, for counts of "the last 30 days", whose start moves on while
    the test runs: whatever the page counted lies between the counts at the window's two ends."""

    def __init__(self, app):
        self.app, self.start = app, utcnow()

    def counts(self, *conditions):
        return range(count(self.app, *conditions), count(self.app, *conditions, at=self.start) + 1)


USB = FileEvent.exposure.op("&")(EXPOSURE_BITS["RemovableMedia"]) != 0


@pytest.fixture(scope="module")
def suspect(scale_app):
    """The demo user who copied the most files to removable media in the last 30 days (a risky one)."""
    with scale_app.app_context():
        return db.session.execute(
            select(FileEvent.username).where(USB, FileEvent.event_at >= utcnow() - timedelta(days=30))
            .group_by(FileEvent.username).order_by(func.count().desc()).limit(1)).scalar_one()


def investigator(page, scale_url):
    """Sign in as the demo's Security Administrator."""
    page.goto(scale_url + "/auth/signin")
    page.fill("input[name=username]", "analyst@example.com")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Risk Exposure")).to_be_visible()  # where investigators land
    landing = page.url
    # The results' SHA-256 and Category columns, which these tests read, are the column chooser's to add.
    page.goto(scale_url + "/forensic-search/")
    page.locator(".column-chooser summary").click()
    for label in ("SHA-256", "Category"):
        page.locator(".column-chooser label", has_text=re.compile(rf"^\s*{label}\s*$")).locator("input").check()
    page.locator(".column-chooser").get_by_role("button", name="Apply").click()
    expect(page.locator(f"{RESULTS} thead th", has_text="SHA-256")).to_be_visible()
    page.goto(landing)
    return page


def column(page, heading):
    """The texts of the results' column under `heading`, as shown."""
    headings = [t.strip() for t in page.locator(f"{RESULTS} thead th").all_inner_texts()]
    n = headings.index(heading) + 1
    return page.locator(f"{RESULTS} tbody tr:not(.list-end):not(.list-sentinel) td:nth-child({n})").all_inner_texts()


def result_count(page):
    """The number of results the page says, or None for "More than N results"."""
    shown = page.locator(".forensic-form .list-count")
    expect(shown).to_contain_text("result")
    found = re.fullmatch(r"([\d,]+) results?", shown.inner_text().strip())
    return int(found.group(1).replace(",", "")) if found else None


def test_an_investigator_narrows_a_million_events_to_one_users_usb_copies(page, scale_app, scale_url, suspect):
    window = Window(scale_app)
    investigator(page, scale_url)
    page.get_by_role("link", name="Forensic Search", exact=True).click()
    expect(page.get_by_label("Date range")).to_have_value("P30D")
    choose_field(page, 1, "deviceUserName")
    page.get_by_label("Filter 1: value").fill(suspect)
    page.get_by_role("button", name="Search", exact=True).click()
    choose_field(page, 2, "exposure")
    page.get_by_label("Filter 2: value").select_option("RemovableMedia")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"f2=exposure"))
    copies = result_count(page)
    assert copies > 0 and copies in window.counts(USB, FileEvent.username == suspect)
    assert set(column(page, "User")) == {suspect}
    assert set(column(page, "Exposure")) == {"Removable media"}

    # The newest copy's details, then every copy of that very file.
    page.locator(f"{RESULTS} tbody tr").first.locator("a").first.click()
    panel = page.locator("#event-panel")
    expect(panel.locator(".event-title")).to_be_visible()
    name = panel.locator(".event-title").inner_text()
    expect(panel).to_contain_text("Removable media volume")
    sha = panel.locator(".event-field", has_text="SHA-256 hash").locator(".event-value").inner_text()
    panel.get_by_role("link", name=f"Search for {sha}").click()
    expect(page).to_have_url(re.compile(rf"f3=sha256Checksum&o3=is&v3={sha}"))
    same_file = result_count(page)
    assert same_file in window.counts(USB, FileEvent.username == suspect, FileEvent.sha256 == sha)
    shown = list(zip(column(page, "File name"), column(page, "SHA-256"), strict=True))
    assert len(shown) == same_file and {row[1] for row in shown} == {sha} and (name, sha) in shown

    page.get_by_label("Save this search as").fill(f"USB copies of {name}")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Search saved as")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    status = page.locator("#export-status")
    expect(status.locator(".export-progress")).to_be_visible()
    expect(status).to_contain_text(f"Export finished: {same_file} event")
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        rows = list(csv.DictReader(exported))
    assert [(r["File name"], r["SHA-256"]) for r in rows] == shown
    assert {r["User"] for r in rows} == {suspect}

    page.goto(scale_url + "/forensic-search/")
    page.get_by_role("link", name=re.compile("^Saved searches")).click()
    page.get_by_role("link", name=f"USB copies of {name}", exact=True).click()
    expect(page).to_have_url(re.compile(rf"v3={sha}"))
    assert result_count(page) == same_file
    assert list(zip(column(page, "File name"), column(page, "SHA-256"), strict=True)) == shown


def number(text):
    return int(text.strip().replace(",", ""))


def lands_on_its_search(page, link, figure, bound, window, condition):
    """Follow a figure's `link` and check that the search counts the same events, within the moving window."""
    link.click()
    expect(page).to_have_url(re.compile(r"/forensic-search/\?range=P30D&"))
    shown = result_count(page)
    if figure > bound:
        assert shown is None  # "More than 10,000 results"
    else:
        # The board's 30 days and the search's start a few seconds apart: both counts lie in the window.
        assert {figure, shown} <= set(window.counts(condition))


def test_risk_exposure_figures_land_on_the_searches_that_list_them(page, scale_app, scale_url):
    bound = scale_app.config["LIST_COUNT_BOUND"]
    exposed = FileEvent.exposure != 0

    window = Window(scale_app)
    investigator(page, scale_url)
    vector = page.locator(".stat", has_text="Removable media")
    lands_on_its_search(page, vector, number(vector.locator(".stat-value").inner_text()), bound, window, USB)
    assert set(column(page, "Exposure")) == {"Removable media"}

    window = Window(scale_app)
    page.goto(scale_url + "/risk-exposure/")
    top = page.locator(".card", has_text="Top users by exposed events").locator("tbody tr").first
    user = top.locator("td").first.inner_text()
    lands_on_its_search(page, top.get_by_role("link"), number(top.locator("td").nth(1).inner_text()), bound, window,
                        exposed & (FileEvent.username == user))
    assert set(column(page, "User")) == {user}
    assert "" not in column(page, "Exposure")  # only exposed events, as counted on the board

    window = Window(scale_app)
    page.goto(scale_url + "/risk-exposure/")
    top = page.locator(".card", has_text="Top file categories by exposed events").locator("tbody tr").first
    category = top.locator("td").first.inner_text()
    with scale_app.test_request_context():
        stored = {str(label): key for key, label in FILE_CATEGORIES.items()}[category]
    lands_on_its_search(page, top.get_by_role("link"), number(top.locator("td").nth(1).inner_text()), bound, window,
                        exposed & (FileEvent.file_category == stored))
    assert set(column(page, "Category")) == {category}
    assert "" not in column(page, "Exposure")
