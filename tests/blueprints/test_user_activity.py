"""User Activity: one user's events, devices and exposure, for investigators only."""
from tests.blueprints.test_risk_exposure import exposures  # noqa: F401 (fixture)


def test_an_investigator_sees_a_users_timeline_devices_and_exposure(client, sign_in, exposures):  # noqa: F811
    sign_in("analyst@acme.test")
    html = client.get(f"/user-activity/?user={exposures['user']}").get_data(as_text=True)
    assert "USER-LAPTOP" in html and "User Mac" in html
    assert html.index("a.xlsx") < html.index("b.xlsx") < html.index("c.pdf")  # newest first
    assert "d.docx" not in html  # the seller's
    assert "f1=deviceUserName&amp;o1=is&amp;v1=user@acme.test&amp;f2=exposure&amp;o2=is&amp;v2=RemovableMedia" in html
    rows = client.get(f"/user-activity/export.csv?user={exposures['user']}").get_data().decode("utf-8-sig")
    assert rows.count("\n") == 1 + 4  # a header and the user's four events


def test_links_lead_there_and_strangers_are_kept_out(client, sign_in, exposures):  # noqa: F811
    sign_in("admin@acme.test")
    for page in (f"/users/{exposures['user']}", f"/devices/{exposures['user_laptop']}"):
        assert f"/user-activity/?user={exposures['user']}" in client.get(page).get_data(as_text=True)
    client.get("/auth/signout")
    sign_in("orgadmin@acme.test")
    for page in (f"/users/{exposures['user']}", f"/devices/{exposures['user_laptop']}"):
        assert "/user-activity/" not in client.get(page).get_data(as_text=True)
    assert client.get(f"/user-activity/?user={exposures['user']}").status_code == 403
    client.get("/auth/signout")
    sign_in("analyst@acme.test")
    assert client.get("/user-activity/?user=999999").status_code == 404


def test_the_timeline_offers_a_choice_of_columns(client, sign_in, exposures):  # noqa: F811
    sign_in("analyst@acme.test")
    url = f"/user-activity/?user={exposures['user']}"
    html = client.get(url).get_data(as_text=True)
    assert '<input type="checkbox" name="column" value="email_subject" >' in html
    assert "E-mail subject" not in html.split("<thead")[1]
    response = client.post("/user-activity/columns", data={"column": ["file_name", "email_subject"], "next": url})
    assert response.status_code == 303 and response.headers["Location"] == url
    html = client.get(url).get_data(as_text=True)
    assert "E-mail subject" in html.split("<thead")[1] and "a.xlsx" in html
    assert "/home/" not in html.split("<tbody")[1]  # the path column is gone
