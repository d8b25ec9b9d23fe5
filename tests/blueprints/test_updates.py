from tests.blueprints.test_agent_api import API, auth, register


def test_app_updates_page_lists_and_blocks_versions(client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post("/updates/", data={"version": "11.7.0", "platform": "linux", "released_on": "2026-01-01",
                                              "notes": "Faster <scans>"})
    assert response.status_code == 302
    html = client.get("/updates/").get_data(as_text=True)
    assert "11.7.0" in html and "Faster &lt;scans&gt;" in html
    bad = client.post("/updates/", data={"version": "seven", "platform": "linux", "released_on": "2026-01-01"})
    assert bad.status_code == 422 and "such as 11.6.0" in bad.get_data(as_text=True)
    sign_in("orgadmin@acme.test")
    assert client.get("/updates/").status_code == 403


def test_agents_ask_which_version_to_run(app, client, sign_in, world):
    answer = register(client, app, world).get_json()  # a linux agent at 1.0.0
    sign_in("admin@acme.test")
    client.post("/updates/", data={"version": "1.2.0", "platform": "linux", "released_on": "2026-01-01"})
    client.post("/auth/signout")
    reply = client.get(f"{API}/client-version", headers=auth(answer)).get_json()
    assert reply == {"current": "1.0.0", "update": True, "version": "1.2.0", "notes": ""}
