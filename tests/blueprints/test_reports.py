import csv
import io

from webconsole.domain.users import refresh_user_totals
from webconsole.extensions import db
from webconsole.models import Device

GB = 1024**3


def sized(app, world):
    with app.app_context():
        for key, size in (("user_laptop", 3), ("user_mac", 4), ("seller_laptop", 20)):
            db.session.get(Device, world[key]).archive_bytes = size * GB
        refresh_user_totals()  # as the domain does whenever device figures change
        db.session.commit()


def rows(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_user_report_sorts_by_storage_and_filters_by_size(app, client, sign_in, world):
    sized(app, world)
    sign_in("admin@acme.test")
    html = client.get("/reports/users/?sort=archive_bytes&dir=desc").get_data(as_text=True)
    assert html.index("seller@acme.test") < html.index("user@acme.test")
    html = client.get("/reports/users/?min_gb=10").get_data(as_text=True)
    assert "seller@acme.test" in html and "user@acme.test" not in html
    html = client.get("/reports/users/?min_gb=lots").get_data(as_text=True)
    assert "Enter a number of gigabytes." in html


def test_user_report_export_has_the_originals_columns(app, client, sign_in, world):
    sized(app, world)
    sign_in("admin@acme.test")
    table = rows(client.get("/reports/users/export.csv?sort=archive_bytes&dir=desc"))
    assert table[0] == ["First name", "Last name", "Username", "Backup devices", "Total storage used",
                        "User status", "Organization"]
    assert table[1][2] == "seller@acme.test" and table[1][4] == str(20 * GB)
    assert len(table) == 1 + 6


def test_org_report_totals_per_org(app, client, sign_in, world):
    sized(app, world)
    sign_in("admin@acme.test")
    table = rows(client.get("/reports/organizations/export.csv"))
    by_name = {r[0]: r for r in table[1:]}
    assert by_name["Platform"][4] == "2" and by_name["Platform"][6] == str(7 * GB)
    assert by_name["Sales"][6] == str(20 * GB)


def test_reports_are_scoped_for_an_org_admin(app, client, sign_in, world):
    sign_in("orgadmin@acme.test")
    table = rows(client.get("/reports/devices/export.csv"))
    assert {r[0] for r in table[1:]} == {"USER-LAPTOP", "User Mac"}
    table = rows(client.get("/reports/organizations/export.csv"))
    assert {r[0] for r in table[1:]} == {"Engineering", "Platform"}


def test_device_names_that_look_like_formulas_are_neutralised(app, client, sign_in, world, make_device):
    make_device(world["seller"], "=cmd|' /C calc'!A0")
    sign_in("admin@acme.test")
    table = rows(client.get("/reports/devices/export.csv?q=cmd"))
    assert table[1][0] == "'=cmd|' /C calc'!A0"


def test_desktop_users_have_no_reports(client, sign_in, world):
    sign_in("user@acme.test")
    assert client.get("/reports/devices/").status_code == 403


def test_registration_keys_show_only_to_those_who_may_view_organizations(app, client, sign_in, world):
    from webconsole.models import Org
    with app.app_context():
        key = db.session.get(Org, world["platform"]).registration_key
    sign_in("helpdesk@acme.test")  # Help Desk runs reports but may not view organizations
    assert key not in client.get("/reports/organizations/").get_data(as_text=True)
    export = client.get("/reports/organizations/export.csv?columns=name,registration_key")
    table = rows(export)
    assert "Platform" in {r[0] for r in table[1:]} and key not in export.get_data(as_text=True)
    sign_in("admin@acme.test", client=(admin := app.test_client()))
    assert key in admin.get("/reports/organizations/export.csv").get_data(as_text=True)
    sign_in("orgadmin@acme.test", client=(orgadmin := app.test_client()))
    assert key in orgadmin.get("/reports/organizations/").get_data(as_text=True)
