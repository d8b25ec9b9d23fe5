"""Destructive actions ask first: the page links to a confirmation that says what happens; only its POST acts."""
from datetime import date

import pytest
from sqlalchemy import select

from webconsole.domain import deployment, updates
from webconsole.extensions import db
from webconsole.models import AgentVersion, DeploymentPolicy, Org, SavedSearch, User


@pytest.fixture
def things(app, world, make_user):
    """A version, a deployment policy and a saved search, as the admin made them."""
    make_user("analyst@acme.test", "insider_risk_analyst", world["root"])
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        analyst = db.session.scalar(select(User).where(User.username == "analyst@acme.test"))
        version = updates.add_version(admin, version="11.7.0", platform="linux", released_on=date(2026, 1, 1))
        policy = deployment.create_policy(admin, name="Sales laptops", org_id=world["sales"])
        saved = SavedSearch(name="USB copies", query="range=P7D", created_by=analyst.id)
        db.session.add(saved)
        db.session.commit()
        return {"version": version.id, "policy": policy.id, "saved": saved.id, **world}


def _asks_first(client, page, action, question, consequence):
    """The page offers `action` only as a link; a GET of it asks and changes nothing; return its HTML."""
    html = client.get(page).get_data(as_text=True)
    assert f'href="{action}"' in html and f'action="{action}"' not in html
    asked = client.get(action)
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and question in text and consequence in text
    assert f'<form method="post" action="{action}"' in text
    return text


def test_regenerating_a_registration_key_asks_first(app, client, sign_in, things):
    with app.app_context():
        old = db.session.get(Org, things["sales"]).registration_key
    sign_in("admin@acme.test")
    url = f"/orgs/{things['sales']}/registration-key"
    _asks_first(client, f"/orgs/{things['sales']}", url, "Regenerate the registration key of Sales?",
                "The old key stops working at once")
    with app.app_context():
        assert db.session.get(Org, things["sales"]).registration_key == old
    assert client.post(url).headers["Location"] == f"/orgs/{things['sales']}"
    with app.app_context():
        assert db.session.get(Org, things["sales"]).registration_key != old


def test_blocking_an_agent_version_asks_first(app, client, sign_in, things):
    sign_in("admin@acme.test")
    url = f"/updates/{things['version']}/block"
    _asks_first(client, "/updates/", url, "Block 11.7.0 (Linux)?", "No device is offered this version any more")
    with app.app_context():
        assert not db.session.get(AgentVersion, things["version"]).blocked
    client.post(url)
    with app.app_context():
        assert db.session.get(AgentVersion, things["version"]).blocked
    # Making it available again is not destructive: one click.
    assert f'action="/updates/{things["version"]}/unblock"' in client.get("/updates/").get_data(as_text=True)
    client.post(f"/updates/{things['version']}/unblock")
    with app.app_context():
        assert not db.session.get(AgentVersion, things["version"]).blocked
    assert client.get("/updates/999999/block").status_code == 404


def test_deleting_a_deployment_policy_asks_first(app, client, sign_in, things):
    sign_in("admin@acme.test")
    url = f"/client-management/{things['policy']}/delete"
    _asks_first(client, "/client-management/", url, "Delete Sales laptops?", "stay registered")
    with app.app_context():
        assert db.session.get(DeploymentPolicy, things["policy"]) is not None
    client.post(url)
    with app.app_context():
        assert db.session.get(DeploymentPolicy, things["policy"]) is None


def test_deleting_a_saved_search_asks_first(app, client, sign_in, things, make_user):
    make_user("analyst2@acme.test", "insider_risk_analyst", things["root"])
    sign_in("analyst2@acme.test")
    url = f"/forensic-search/saved/{things['saved']}/delete"
    assert client.get(url).status_code == 403  # not theirs: not even the question
    client.get("/auth/signout")
    sign_in("analyst@acme.test")
    _asks_first(client, "/forensic-search/saved", url, "Delete USB copies?", "every investigator loses it")
    with app.app_context():
        assert db.session.get(SavedSearch, things["saved"]) is not None
    client.post(url)
    with app.app_context():
        assert db.session.get(SavedSearch, things["saved"]) is None
