"""20 000 organizations: the pages that list, count or choose orgs still answer, since no query binds
one parameter per org (SQLite refuses more than 32 766, PostgreSQL 65 535, and both slow down long
before)."""
import csv
import io
import re

import pytest
from sqlalchemy import event

from webconsole.demo.org_tree import add_regions
from webconsole.domain import users as domain_users
from webconsole.extensions import db
from webconsole.models import Org, OrgSettings

REGIONS, LEAVES = 20, 1000  # 20 021 orgs with the top one


@pytest.fixture
def many_orgs(app, world):
    """20 000 orgs under the world's top org (half of them under Engineering), bulk inserted, and one
    region with alert thresholds of its own."""
    with app.app_context():
        added = add_regions([db.session.get(Org, world["root"]), db.session.get(Org, world["eng"])],
                            REGIONS, LEAVES)  # every other region in the Org Admin's reach
        regions = [region for region, _ in added]
        # Two threshold groups: the alert levels must tell the region's orgs from the others.
        db.session.add(OrgSettings(org_id=regions[1], group="general", values={"warning_days": 1,
                                                                                "critical_days": 2}))
        db.session.commit()
    return {"regions": regions, "leaf": regions[1] + 1, **world}


def _pages(orgs):
    region, leaf = orgs["regions"][1], orgs["leaf"]
    return ["/orgs/", "/orgs/?status=active", "/orgs/?q=Leaf+01", "/orgs/?sort=device_count&dir=desc",
            "/orgs/count", f"/orgs/{orgs['root']}", f"/orgs/{leaf}", f"/orgs/{region}/settings/general",
            "/users/", f"/users/?org={region}", f"/users/?org={leaf}", "/devices/", f"/devices/?org={region}",
            "/devices/?alert=critical", "/devices/?alert=ok&sort=org_name",
            "/reports/organizations/", "/reports/organizations/?sort=name&dir=desc", "/reports/organizations/count",
            f"/reports/users/?org={region}", "/reports/devices/?alert=warning", f"/reports/devices/?org={leaf}",
            "/dashboard/", "/subscription/", "/search/?q=Leaf+01-00", "/client-management/"]


@pytest.fixture
def parameters(app):
    """The most parameters any one statement bound (executemany left out), while the test runs."""
    with app.app_context():
        engine = db.engine
    most = [0]

    def count(_conn, _cursor, _statement, params, _context, executemany):
        if not executemany:
            most[0] = max(most[0], len(params or ()))

    event.listen(engine, "before_cursor_execute", count)
    yield most
    event.remove(engine, "before_cursor_execute", count)


def test_pages_that_list_or_choose_orgs_answer_with_20000_orgs(app, client, sign_in, many_orgs, parameters):
    for who in ("admin@acme.test", "orgadmin@acme.test"):
        sign_in(who)
        for url in _pages(many_orgs):
            response = client.get(url)
            # Some pages are beyond an Org Admin (Client Management, the top org's page).
            allowed = (200,) if who == "admin@acme.test" else (200, 403, 404)
            assert response.status_code in allowed, (who, url, response.status_code)
        client.post("/auth/signout")
    assert parameters[0] < 100
    # An org filter offers a bounded choice, the shallowest orgs first: the regions under the top are there.
    sign_in("admin@acme.test")
    options = re.findall(r'<option value="(\d+)"', client.get("/devices/").get_data(as_text=True))
    assert len(options) == domain_users.ORG_CHOICES_MAX
    assert {str(r) for r in many_orgs["regions"][::2]} <= set(options)


def test_the_org_report_exports_20000_orgs_once_each(client, sign_in, many_orgs, parameters):
    sign_in("admin@acme.test")
    response = client.get("/reports/organizations/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))[1:]
    assert len(rows) == 4 + REGIONS * (LEAVES + 1)
    assert len({row[0] for row in rows}) == len(rows)
    assert parameters[0] < 100
