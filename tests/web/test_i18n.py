import pytest
from werkzeug.datastructures import LanguageAccept

from webconsole.web.i18n import negotiate


@pytest.mark.parametrize("header, expected", [
    ("zh-TW", "zh_Hant_TW"),
    ("zh-HK", "zh_Hant_TW"),
    ("zh-CN", "zh_Hans_CN"),
    ("zh", "zh_Hans_CN"),
    ("es-MX", "es_419"),
    ("es-ES", "es_ES"),
    ("pt-PT", "pt_BR"),
    ("nb-NO", "nb"),
    ("no", "nb"),
    ("en-GB", "en_GB"),
    ("en-AU", "en_US"),
    ("de-CH", "de"),
    ("sr-RS, fr;q=0.5", "fr"),
    ("xx", None),
    ("*", None),
])
def test_accept_language_is_script_and_region_aware(app, header, expected):
    with app.app_context():
        values = [(part.split(";")[0].strip(), 1) for part in header.split(",")]
        assert negotiate(LanguageAccept(values)) == expected


def test_cookie_beats_accept_language(client, sign_in, world):
    sign_in("admin@acme.test")
    client.set_cookie("locale", "de")
    html = client.get("/devices/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="de">' in html


def test_invalid_cookie_is_ignored(client, sign_in, world):
    sign_in("admin@acme.test")
    client.set_cookie("locale", "../../etc")
    html = client.get("/devices/", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert '<html lang="ja">' in html


def test_choosing_a_language_sets_the_cookie_and_goes_back(client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post("/account/locale", data={"locale": "ko", "next": "/users/?q=a"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/users/?q=a"
    cookie = client.get_cookie("locale")
    assert cookie.value == "ko" and cookie.http_only
    assert '<html lang="ko">' in client.get("/users/").get_data(as_text=True)


def test_htmx_language_choice_refreshes_the_page(client, world):
    response = client.post("/account/locale", data={"locale": "th"}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Refresh"] == "true"


def test_unknown_language_is_refused(client, world):
    assert client.post("/account/locale", data={"locale": "xx_YY"}).status_code == 400


def test_language_choice_never_redirects_off_site(client, world):
    response = client.post("/account/locale", data={"locale": "fr", "next": "https://evil.test/"})
    assert response.headers["Location"] == "/"
