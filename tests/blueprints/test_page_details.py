"""The details a person notices: names said once, filters that offer what can be found, texts that agree."""
import re

from flask import render_template

from tests.conftest import HX
from webconsole.domain import audit, exports
from webconsole.extensions import db
from webconsole.models import Destination, Device, User


def _options(html, name):
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', select)


def test_a_devices_os_names_the_system_once(app, client, sign_in, world):
    with app.app_context():
        db.session.get(Device, world["user_mac"]).os_version = "macOS 14.7"
        db.session.get(Device, world["user_laptop"]).os_version = "22H2"
        db.session.commit()
    sign_in("admin@acme.test")
    mac = client.get(f"/devices/{world['user_mac']}").get_data(as_text=True)
    assert "<dd>macOS 14.7</dd>" in mac and "macOS macOS" not in mac
    assert "<dd>Windows 22H2</dd>" in client.get(f"/devices/{world['user_laptop']}").get_data(as_text=True)
    assert "macOS macOS" not in client.get(f"/users/{world['user']}").get_data(as_text=True)


def test_an_empty_list_suggests_another_search_only_after_one(client, sign_in, world, make_user):
    make_user("analyst@acme.test", "insider_risk_analyst", world["root"])
    sign_in("analyst@acme.test")
    events = client.get(f"/devices/file-events/?device={world['user_mac']}", headers=HX).get_data(as_text=True)
    assert "list-empty" in events and "None yet" in events and "Try another search" not in events
    client.get("/auth/signout")
    sign_in("admin@acme.test")
    nothing = client.get("/devices/?q=no-such-device", headers=HX).get_data(as_text=True)
    assert "Try another search or filter" in nothing


def test_status_filters_offer_what_the_list_can_hold(app, client, sign_in, world):
    sign_in("admin@acme.test")
    assert _options(client.get("/devices/").get_data(as_text=True), "status") == \
        ["", "active", "blocked", "deactivated", "deauthorized"]
    users = client.get("/users/").get_data(as_text=True)
    assert _options(users, "status") == ["", "active", "blocked", "deactivated"]
    with app.app_context():
        db.session.get(User, world["seller"]).blocked = True
        db.session.commit()
    blocked = client.get("/users/?status=blocked", headers=HX).get_data(as_text=True)
    assert "seller@acme.test" in blocked and "user@acme.test" not in blocked


def test_an_export_past_the_count_bound_does_not_contradict_itself(app):
    with app.test_request_context("/"):
        def text(rows):
            progress = exports.Progress(rows, 10000, False, "running")
            return render_template("_partials/list_export_progress.html", token="t", tries=0, progress=progress,
                                   url="/x")
        assert "4,000 events exported so far (more than 10,000 in all)" in text(4000)
        past = text(16000)
        assert "16,000 events exported so far" in past and "more than" not in past


def test_audit_details_open_to_show_their_whole_value(app, client, sign_in, world):
    long_note = "a reason that runs far longer than the column it is shown in <b>and</b> more"
    with app.app_context():
        audit.record("user.block", actor=db.session.get(User, world["admin"]), object_type="user",
                     object_label="seller@acme.test", details={"reason": long_note})
        db.session.commit()
    sign_in("auditor@acme.test")
    html = client.get("/audit/?event=user.block", headers=HX).get_data(as_text=True)
    cell = re.search(r'<details class="cell-whole"><summary title="([^"]*)">(.*?)</summary></details>', html)
    assert cell, html
    assert cell.group(1) == "reason a reason that runs far longer than the column it is shown in " \
                            "&lt;b&gt;and&lt;/b&gt; more"
    assert "&lt;b&gt;and&lt;/b&gt;" in cell.group(2)


def test_a_dashboards_capacity_keeps_its_number_and_unit_together(app, client, sign_in, world):
    with app.app_context():
        db.session.add(Destination(name="Cloud Destination US", kind="cloud", capacity_bytes=2048 * 1024**4))
        db.session.commit()
    sign_in("admin@acme.test")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert '<span class="muted small nowrap">2,048 TB</span>' in html
