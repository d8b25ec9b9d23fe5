from tests.blueprints.test_agent_api import register
from tests.domain.test_settings import form
from webconsole.domain import settings
from webconsole.extensions import db
from webconsole.models import Org, User


def test_a_policy_gives_installers_the_orgs_key_and_is_audited(app, client, sign_in, world):
    sign_in("admin@acme.test")
    response = client.post("/client-management/", data={"name": "Sales <laptops>", "org_id": world["sales"]})
    assert response.status_code == 302
    with app.app_context():
        key = db.session.get(Org, world["sales"]).registration_key
    html = client.get("/client-management/").get_data(as_text=True)
    assert f'registration_key = &#34;{key}&#34;' in html and f"--registration-key {key}" in html
    assert "Sales &lt;laptops&gt;" in html
    audit = client.get("/audit/?event=deployment.create").get_data(as_text=True)
    assert "Deployment policy created" in audit


def test_policy_names_are_checked_and_unique(client, sign_in, world):
    sign_in("admin@acme.test")
    assert client.post("/client-management/", data={"name": "QA", "org_id": world["sales"]}).status_code == 422
    client.post("/client-management/", data={"name": "Laptops", "org_id": world["sales"]})
    again = client.post("/client-management/", data={"name": "Laptops", "org_id": world["eng"]})
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)


def test_only_cloud_admins_manage_clients(client, sign_in, world):
    sign_in("orgadmin@acme.test")
    assert client.get("/client-management/").status_code == 403


def test_agent_appearance_reaches_the_agent(app, client, world):
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        settings.set_inheritance(admin, world["platform"], "appearance", inherit=False)
        settings.save_group(admin, world["platform"], "appearance",
                            form("appearance", product_name="Acme Backup", username_label="Acme ID"), "save")
    answer = register(client, app, world).get_json()
    assert answer["settings"]["appearance"]["product_name"] == {"value": "Acme Backup", "locked": False}
    assert answer["settings"]["appearance"]["username_label"]["value"] == "Acme ID"

