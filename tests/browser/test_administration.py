"""Administration as a person does it: orgs, inherited settings with a lock, users, scope, audit."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from webconsole.extensions import db
from webconsole.models import Device, Org, User


def lookup(live_app, model, **where):
    with live_app.app_context():
        return db.session.scalars(select(model).filter_by(**where)).first().id


def test_admin_locks_a_frequency_in_a_new_child_org(page, sign_in, base_url, live_app):
    sign_in("admin@example.com")
    engineering = lookup(live_app, Org, name="Engineering")
    # A child org of Engineering.
    page.goto(f"{base_url}/orgs/{engineering}")
    page.get_by_role("link", name="New child organization").click()
    page.get_by_label("Name", exact=True).fill("QA Lab")
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("heading", name=re.compile("QA Lab"))).to_be_visible()
    # Its own Backup values, with the frequency locked at every hour.
    page.get_by_role("link", name="Device defaults").click()
    page.get_by_role("navigation", name="Settings groups").get_by_role("link", name="Backup").click()
    # The demo's root org has its own backup values (its sets go to This server): they are inherited.
    expect(page.get_by_text("Inherited from Example Corp.")).to_be_visible()
    page.get_by_role("button", name="Set this organization's own values").click()
    page.get_by_label("Back up changes").select_option(label="Every hour")
    page.get_by_role("button", name="Lock").click()
    expect(page.get_by_text("Locked for everything below")).to_be_visible()
    # A user and their devices move into it.
    user = lookup(live_app, User, username="user@example.com")
    page.goto(f"{base_url}/users/{user}")
    page.get_by_label("Organization to move to").select_option(label="QA Lab")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_text("User moved.")).to_be_visible()
    # Locked on a device of that org...
    device = lookup(live_app, Device, user_id=user)
    page.goto(f"{base_url}/devices/{device}/settings")
    backup = page.locator("#group-backup")
    expect(backup.get_by_text("Locked by QA Lab").first).to_be_visible()
    expect(backup.get_by_text("Every hour")).to_be_visible()
    expect(backup.locator("select, textarea, input[type=number]")).to_have_count(0)
    # ...and free on a device of a sibling org.
    mobile = lookup(live_app, Org, name="Mobile")
    sibling = lookup(live_app, Device, org_id=mobile)
    page.goto(f"{base_url}/devices/{sibling}/settings")
    expect(page.locator("#group-backup").get_by_text("Locked by")).to_have_count(0)
    expect(page.locator("#group-backup").get_by_label("Back up changes")).to_be_enabled()
    # Every change is in the audit log.
    page.goto(f"{base_url}/audit/?actor=admin@example.com")
    for label in ("Organization created", "Device defaults: own values", "Device defaults locked", "User moved"):
        expect(page.locator("#list-audit")).to_contain_text(label)


def test_org_admin_sees_only_their_subtree_everywhere(page, sign_in, base_url):
    sign_in("orgadmin@example.com")
    page.goto(base_url + "/users/")
    cells = page.locator("#list-users tbody tr:not(.list-end):not(.list-sentinel) td:nth-child(3)")
    orgs = set(cells.all_inner_texts())
    assert orgs and orgs <= {"Engineering", "Platform", "Mobile", "Data Science", "QA Lab"}
    page.get_by_role("searchbox", name="Search users, devices and organizations").fill("sales")
    expect(page.locator("#global-search-results")).to_contain_text("Nothing found")
    page.goto(base_url + "/reports/organizations/")
    names = set(page.locator("#list-report-orgs tbody tr:not(.list-end) td:first-child").all_inner_texts())
    assert "Sales" not in names and "Engineering" in names
    page.goto(base_url + "/dashboard/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_desktop_user_reaches_only_their_own_things(page, sign_in, base_url, live_app):
    sign_in("user@example.com")
    mobile = lookup(live_app, Org, name="Mobile")
    other = lookup(live_app, Device, org_id=mobile)
    assert page.goto(f"{base_url}/devices/{other}").status == 404
    assert page.goto(f"{base_url}/users/1").status == 403
    assert page.goto(f"{base_url}/orgs/{mobile}").status == 403
    assert page.goto(f"{base_url}/reports/").status == 403
    page.goto(base_url + "/account/profile")
    expect(page.get_by_role("heading", name="My devices")).to_be_visible()


def test_global_search_is_keyboard_navigable_and_a_guid_jumps(page, sign_in, base_url, live_app):
    sign_in("admin@example.com")
    box = page.get_by_role("searchbox", name="Search users, devices and organizations")
    box.fill("macbook")
    first = page.locator("#global-search-results [role=option]").first
    expect(first).to_be_visible()
    box.press("ArrowDown")
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/devices/\d+$"))
    with live_app.app_context():
        device = db.session.scalars(select(Device).limit(1)).first()
        guid, device_id = device.guid, device.id
    box = page.get_by_role("searchbox", name="Search users, devices and organizations")
    box.fill(guid)
    box.press("Enter")
    page.wait_for_url(f"{base_url}/devices/{device_id}")
