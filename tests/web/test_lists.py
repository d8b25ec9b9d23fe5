"""The list pattern: every row exactly once in every sort, signed cursors, bounded counts."""
import re
from datetime import datetime, timedelta

import pytest

from tests.conftest import HX
from webconsole.blueprints.devices.views import DEVICE_LIST
from webconsole.domain.listings import catalog


@pytest.fixture
def many_devices(world, make_device):
    # 23 more devices with repeating sort values and NULLs, so ties and the NULL phase are exercised.
    base = datetime(2026, 1, 1)
    for n in range(23):
        make_device(
            world["user"] if n % 2 else world["seller"], f"dev-{n % 4}",
            os=("windows", "macos", "linux")[n % 3],
            last_connected=None if n % 5 == 0 else base + timedelta(days=n % 3),
            percent_complete=float(n % 2) * 100, archive_bytes=(n % 3) * 1000,
        )
    return world


def walk(client, url):
    """Follow a list from its page through every rows fragment; return the device names in order."""
    html = client.get(url, headers=HX).get_data(as_text=True)
    names = re.findall(r'<tr>\s*<td class=""(?: title="[^"]*")?><a href="[^"]*">([^<]*)</a></td>', html)
    pages = 1
    while True:
        found = re.search(r'hx-get="([^"]*/rows\?cursor=[^"]*)"', html)
        if not found:
            return names, pages
        html = client.get(found.group(1).replace("&amp;", "&"), headers=HX).get_data(as_text=True)
        names += re.findall(r'<tr>\s*<td class=""(?: title="[^"]*")?><a href="[^"]*">([^<]*)</a></td>', html)
        pages += 1


@pytest.mark.parametrize("sort", sorted(DEVICE_LIST.sortable))
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_every_row_appears_once_in_every_sort(client, sign_in, many_devices, sort, direction):
    sign_in("admin@acme.test")
    names, pages = walk(client, f"/devices/?sort={sort}&dir={direction}")
    assert len(names) == 26
    assert pages == 6  # page size 5 in tests


def test_rows_follow_the_requested_order(client, sign_in, many_devices):
    sign_in("admin@acme.test")
    asc, _ = walk(client, "/devices/?sort=name&dir=asc")
    desc, _ = walk(client, "/devices/?sort=name&dir=desc")
    assert asc == sorted(asc)
    assert desc == list(reversed(asc))


def test_nulls_sort_first_ascending_and_last_descending(client, sign_in, many_devices):
    sign_in("admin@acme.test")
    # No device here has completed a backup, so each row says "Never" once for that column,
    # and once more when it has never connected (8 of the 26 devices).
    html = client.get("/devices/?sort=last_connected&dir=desc", headers=HX).get_data(as_text=True)
    assert html.count("Never") == 5
    html = client.get("/devices/?sort=last_connected&dir=asc", headers=HX).get_data(as_text=True)
    assert html.count("Never") == 10


def test_search_filters_and_is_kept_in_cursors(client, sign_in, many_devices):
    sign_in("admin@acme.test")
    names, _ = walk(client, "/devices/?q=dev-1")
    assert names and set(names) == {"dev-1"}


def test_search_treats_like_wildcards_literally(client, sign_in, many_devices):
    sign_in("admin@acme.test")
    names, _ = walk(client, "/devices/?q=%25")
    assert names == []


def test_tampered_cursor_is_a_400(client, sign_in, many_devices):
    sign_in("admin@acme.test")
    html = client.get("/devices/", headers=HX).get_data(as_text=True)
    url = re.search(r'hx-get="([^"]*/rows\?cursor=[^"]*)"', html).group(1)
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    response = client.get(tampered, headers=HX)
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_cursor_of_another_list_is_refused(client, sign_in, many_devices):
    sign_in("admin@acme.test")
    html = client.get("/devices/", headers=HX).get_data(as_text=True)
    cursor = re.search(r"cursor=([^\"&]*)", html).group(1)
    assert client.get(f"/users/rows?cursor={cursor}", headers=HX).status_code == 400


def test_unknown_sort_falls_back_to_the_default(client, sign_in, many_devices):
    sign_in("admin@acme.test")
    response = client.get("/devices/?sort=password_hash&dir=sideways")
    assert response.status_code == 200
    assert 'aria-sort="ascending"' in response.get_data(as_text=True)


def test_rows_url_opened_directly_redirects_to_the_page(client, sign_in, many_devices):
    sign_in("admin@acme.test")
    html = client.get("/devices/?sort=os&dir=desc", headers=HX).get_data(as_text=True)
    url = re.search(r'hx-get="([^"]*/rows\?cursor=[^"]*)"', html).group(1).replace("&amp;", "&")
    response = client.get(url)
    assert response.status_code == 302
    assert "sort=os" in response.headers["Location"] and "dir=desc" in response.headers["Location"]


def test_count_is_exact_up_to_a_bound(app, client, sign_in, many_devices):
    sign_in("admin@acme.test")
    assert "26 results" in client.get("/devices/count", headers=HX).get_data(as_text=True)
    app.config["LIST_COUNT_BOUND"] = 10
    assert "More than 10 results" in client.get("/devices/count", headers=HX).get_data(as_text=True)


def test_page_and_fragment_share_a_url(client, sign_in, many_devices):
    sign_in("admin@acme.test")
    full = client.get("/devices/?sort=name")
    part = client.get("/devices/?sort=name", headers=HX)
    assert "<html" in full.get_data(as_text=True)
    assert "<html" not in part.get_data(as_text=True)
    assert 'id="list-devices"' in part.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"]


def test_orgs_of_the_same_name_keep_their_devices_together(app, client, sign_in, world, make_org, make_user,
                                                           make_device):
    # Two "Sales" orgs: sorting by organization orders by name, then org, then device, so each org's
    # devices come together (as an index walk gives them) and paging neither skips nor repeats a row.
    other = make_org("Sales", world["eng"])
    rep = make_user("rep@acme.test", "desktop_user", other)
    for n in range(6):
        make_device(rep if n % 2 else world["seller"], f"sales-{n}")
    sign_in("admin@acme.test")
    for direction in ("asc", "desc"):
        names, pages = walk(client, f"/devices/?sort=org_name&dir={direction}")
        assert len(names) == len(set(names)) == 9 and pages == 2
        sales = [name for name in names if name.startswith(("sales-", "SELLER"))]
        first_org = {"sales-1", "sales-3", "sales-5"} if direction == "desc" else {"SELLER-LAPTOP", "sales-0",
                                                                                   "sales-2", "sales-4"}
        assert set(sales[:len(first_org)]) == first_org


def test_a_cursor_without_the_tie_breaking_values_is_a_400(app, client, sign_in, many_devices):
    from webconsole.web.lists import ListParams, encode_cursor
    sign_in("admin@acme.test")
    with app.test_request_context():
        params = ListParams(sort="org_name", dir="asc", q=None, filters={})
        cursor = encode_cursor(DEVICE_LIST, params, "value", "Sales", 1)  # as cursors were before `then`
    assert client.get(f"/devices/rows?cursor={cursor}", headers=HX).status_code == 400


HOSTILE = ["9" * 25, "²", "a\x00b", "9999-12-31", "0001-01-01", "NaN", "1e400", "-1", "\u202e"]
TOOLBARS = ("devices", "users", "orgs", "audit", "report-orgs", "report-users", "report-devices", "connections")


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_filter_values_are_answered_never_a_500(app, client, sign_in, world, value):
    from flask import url_for

    from webconsole.web.lists import spec_for
    sign_in("admin@acme.test")
    with app.test_request_context():
        urls = {key: url_for(spec_for(key).endpoint) for key in (*TOOLBARS, "forensic_search", "user_activity",
                                                                 "device_events")}
    for key, url in urls.items():
        spec = spec_for(key)
        for name in [f.name for f in spec.listing.filters] + ["q", "sort", "dir"]:
            for part, extra in (("", {}), ("rows", {"cursor": value[:3]}), ("count", {})):
                response = client.get(url + part, query_string={**extra, name: value}, headers=HX)
                assert response.status_code < 500, (url, part, name)
                assert "\x00" not in response.get_data(as_text=True)
            if value == "a\x00b" and key in TOOLBARS and name not in ("sort", "dir"):
                # Refused before the list reads it (NUL is refused in every parameter), naming the parameter.
                response = client.get(url, query_string={name: value})
                assert response.status_code == 400 and f"“{name}”" in response.get_data(as_text=True), (url, name)


def test_an_org_beyond_the_filters_choices_still_shows_as_chosen(client, sign_in, world, monkeypatch):
    """A fleet's org filter lists the shallowest orgs only; the org in use (a deeper one, from its page's
    link) is added to the choices, selected, unless the actor may not see it."""
    monkeypatch.setattr(catalog, "ORG_CHOICES_MAX", 2)  # Acme and Engineering, the shallowest
    sign_in("admin@acme.test")
    page = client.get(f"/devices/?org={world['platform']}").get_data(as_text=True)
    # Under Engineering, in the tree the picker shows.
    assert re.search(rf'<option value="{world["platform"]}" selected>\u2003\u2003Platform</option>', page)
    assert "Sales</option>" not in page
    sign_in("orgadmin@acme.test")
    page = client.get(f"/devices/?org={world['sales']}").get_data(as_text=True)
    assert "Sales</option>" not in page


def test_every_lists_default_columns_fit_a_1440_px_window(app):
    """A list's default columns fit its box beside the sidebar at 1440 px; more are offered by the chooser."""
    from webconsole.blueprints.orgs.views import TREE_LEFT_OUT
    from webconsole.web.lists import _REGISTRY, FIT_WIDTH

    assert len(_REGISTRY) > 15
    for key, spec in _REGISTRY.items():
        left_out = TREE_LEFT_OUT if key == "orgs" else ()  # the Organizations tree shows the parent as such
        width = sum(c.width for c in spec.default_columns if c.key not in left_out)
        assert width <= FIT_WIDTH, (key, width)
        assert spec.choosable or len(spec.columns) == len(spec.default_columns), key
