"""The colour theme: chosen in the Account menu, kept in a cookie and on the account, else the system's."""
from sqlalchemy import select

from webconsole.extensions import db
from webconsole.models import AuditEvent, User


def html_of(client, path="/devices/"):
    return client.get(path).get_data(as_text=True)


def test_the_system_scheme_is_followed_until_a_theme_is_chosen(client, sign_in, world):
    sign_in("admin@acme.test")
    html = html_of(client)
    assert "data-theme" not in html.split(">", 2)[1]
    # The Account menu offers the three choices, the current one selected.
    assert '<option value="system" selected>' in html
    assert '<option value="dark" >' in html or '<option value="dark">' in html


def test_choosing_dark_sets_the_cookie_the_account_and_the_page(app, client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post("/account/theme", data={"theme": "dark", "next": "/users/?q=a"})
    assert response.status_code == 302 and response.headers["Location"] == "/users/?q=a"
    cookie = client.get_cookie("theme")
    assert cookie.value == "dark" and cookie.http_only
    html = html_of(client)
    assert '<html lang="en-US" data-theme="dark">' in html
    assert '<option value="dark" selected>' in html
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "admin@acme.test"))
        assert user.theme == "dark"
        entry = db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == "account.theme")).one()
        assert entry.details["changes"] == {"theme": [None, "dark"]}


def test_the_chosen_theme_follows_the_user_to_a_new_browser(app, client, sign_in, world):
    sign_in("user@acme.test")
    client.post("/account/theme", data={"theme": "light"})
    fresh = app.test_client()
    sign_in("user@acme.test", client=fresh)
    assert 'data-theme="light"' in html_of(fresh, "/account/profile")
    # This browser's own cookie beats the account's choice.
    fresh.set_cookie("theme", "dark")
    assert 'data-theme="dark"' in html_of(fresh, "/account/profile")


def test_back_to_the_system_forgets_the_choice(app, client, sign_in, world):
    sign_in("admin@acme.test")
    client.post("/account/theme", data={"theme": "dark"})
    client.post("/account/theme", data={"theme": "system"})
    assert "data-theme" not in html_of(client).split(">", 2)[1]
    with app.app_context():
        assert db.session.scalar(select(User.theme).where(User.username == "admin@acme.test")) is None


def test_htmx_theme_choice_refreshes_the_page(client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post("/account/theme", data={"theme": "dark"}, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Refresh"] == "true"


def test_a_bad_theme_is_refused_and_a_bad_cookie_ignored(client, sign_in, world):
    sign_in("admin@acme.test")
    for bad in ("purple", "", "dark\x00", "x" * 5000):
        assert client.post("/account/theme", data={"theme": bad}).status_code == 400
    client.set_cookie("theme", '"><script>')
    html = html_of(client)
    assert "<script>" not in html.split("<title>")[0]
    assert "data-theme" not in html.split(">", 2)[1]
    # A list where one value goes: the first is taken, as for any form field.
    assert client.post("/account/theme", data={"theme": ["dark", "light"]}).status_code == 302
    assert 'data-theme="dark"' in html_of(client)


def test_choosing_a_theme_needs_a_session(client, world):
    response = client.post("/account/theme", data={"theme": "dark"})
    assert response.status_code in (302, 401)
    assert client.get_cookie("theme") is None


def test_the_theme_never_redirects_off_site(client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post("/account/theme", data={"theme": "dark", "next": "https://evil.test/"})
    assert response.headers["Location"] == "/"
