from tests.conftest import HX


def test_the_panel_is_there_only_for_roles_with_the_cli(client, sign_in, world):
    sign_in("admin@acme.test")
    assert 'id="console-panel"' in client.get("/account/profile").get_data(as_text=True)
    sign_in("orgadmin@acme.test")
    assert 'id="console-panel"' not in client.get("/account/profile").get_data(as_text=True)
    assert client.post("/console/run", data={"line": "help"}).status_code == 403


def test_output_is_an_escaped_fragment_or_json(client, sign_in, world, make_device):
    make_device(world["seller"], "<script>alert(1)</script>")
    sign_in("admin@acme.test")
    html = client.post("/console/run", data={"line": "devices script"}, headers=HX).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    response = client.post("/console/run", json={"line": "nope"})
    assert response.status_code == 400 and response.get_json()["ok"] is False
