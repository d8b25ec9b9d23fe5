from webconsole.config import from_environment


def test_environment_variables_map_to_config():
    values = from_environment({
        "DATABASE_URL": "postgresql://u:p@db/console",
        "WEBCONSOLE_SESSION_COOKIE_SECURE": "true",
        "WEBCONSOLE_LIST_PAGE_SIZE": "25",
        "SECRET_KEY": "s3cret",
        "UNRELATED": "x",
    })
    assert values == {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u:p@db/console",
        "SESSION_COOKIE_SECURE": True,
        "LIST_PAGE_SIZE": 25,
        "SECRET_KEY": "s3cret",
    }


def test_secure_cookies_also_send_hsts(database_url):
    from tests.conftest import base_config
    from webconsole import create_app
    app = create_app({**base_config(database_url), "SESSION_COOKIE_SECURE": True})
    response = app.test_client().get("/auth/signin")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
