from tests.domain.test_settings import form


def post_form(group, **changes):
    data = form(group, **changes)
    return {k: v for k, v in data.items()}


def test_inheriting_org_shows_where_values_come_from(client, sign_in, world):
    sign_in("admin@acme.test")
    html = client.get(f"/orgs/{world['platform']}/settings/backup").get_data(as_text=True)
    assert "Built-in defaults." in html and "Use device defaults from parent" in html
    assert 'name="mode" value="lock"' not in html  # inherits: nothing to save until turned off


def test_admin_builds_locks_and_devices_show_it(client, sign_in, world):
    sign_in("admin@acme.test")
    client.post(f"/orgs/{world['eng']}/settings/backup/own")
    data = {**post_form("backup", frequency_minutes=60), "mode": ["lock"]}
    response = client.post(f"/orgs/{world['eng']}/settings/backup", data=data)
    assert response.status_code == 302
    page = client.get(f"/orgs/{world['eng']}/settings/backup", follow_redirects=True).get_data(as_text=True)
    assert "Locked for everything below" in page
    child = client.get(f"/orgs/{world['platform']}/settings/backup").get_data(as_text=True)
    assert "Locked by Engineering" in child
    locked = client.get(f"/devices/{world['user_laptop']}/settings").get_data(as_text=True)
    assert "Locked by Engineering" in locked and "Every hour" in locked
    free = client.get(f"/devices/{world['seller_laptop']}/settings").get_data(as_text=True)
    assert "Locked by" not in free
    refused = client.post(f"/devices/{world['user_laptop']}/settings/backup", data=post_form("backup"))
    assert refused.status_code == 403


def test_bad_value_is_shown_next_to_its_field_and_nothing_changes(client, sign_in, world):
    sign_in("admin@acme.test")
    data = {**post_form("general", warning_days=9, critical_days=5), "mode": ["push"]}
    response = client.post(f"/orgs/{world['root']}/settings/general", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "longer than the warning threshold" in html and 'aria-invalid="true"' in html
    assert "Built-in defaults." in html


def test_turning_inheritance_on_asks_first(client, sign_in, world):
    sign_in("admin@acme.test")
    client.post(f"/orgs/{world['sales']}/settings/quotas/own")
    page = client.get(f"/orgs/{world['sales']}/settings/quotas/inherit").get_data(as_text=True)
    assert "discarded" in page
    client.post(f"/orgs/{world['sales']}/settings/quotas/inherit")
    html = client.get(f"/orgs/{world['sales']}/settings/quotas").get_data(as_text=True)
    assert "Built-in defaults." in html


def test_device_value_set_on_the_device_says_so(client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post(f"/devices/{world['seller_laptop']}/settings/reporting",
                           data=post_form("reporting", report_frequency="daily"))
    assert response.status_code == 302
    html = client.get(f"/devices/{world['seller_laptop']}/settings").get_data(as_text=True)
    assert "This device" in html


def test_help_desk_reads_device_settings_without_inputs(client, sign_in, world):
    sign_in("helpdesk@acme.test")
    html = client.get(f"/devices/{world['user_laptop']}/settings").get_data(as_text=True)
    assert "<textarea" not in html and "Every 15 minutes" in html
    assert client.post(f"/devices/{world['user_laptop']}/settings/backup", data={}).status_code == 403


def test_unknown_group_is_a_404(client, sign_in, world):
    sign_in("admin@acme.test")
    assert client.get(f"/orgs/{world['root']}/settings/nope").status_code == 404


def test_changing_the_archive_key_type_says_what_happens_before_it_is_saved(app, client, sign_in, world):
    from webconsole.domain import settings
    from webconsole.domain.orgs import get_org
    from webconsole.extensions import db
    from webconsole.models import User
    sign_in("admin@acme.test")
    data = {**post_form("security", archive_key_type="custom"), "mode": ["push"]}
    page = client.post(f"/orgs/{world['root']}/settings/security", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Change the archive encryption key" in html
    assert "the console cannot read their archives" in html and 'name="confirm_key_type" value="yes"' in html

    def current():
        with app.app_context():
            org = get_org(db.session.get(User, world["admin"]), world["root"])
            return settings.group_state(org, "security").values["archive_key_type"]
    assert current() == "standard"  # nothing saved before the confirmation
    confirmed = client.post(f"/orgs/{world['root']}/settings/security", data={**data, "confirm_key_type": ["yes"]})
    assert confirmed.status_code == 302 and current() == "custom"
    same = client.post(f"/orgs/{world['root']}/settings/security", data=data)  # unchanged: no question
    assert same.status_code == 302
