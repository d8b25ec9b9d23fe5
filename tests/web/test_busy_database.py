"""A database too busy to take a write (SQLite's busy timeout, a PostgreSQL deadlock victim) is a 503 that
says to try again, never a 500; programs get the agent protocol's error shape and a Retry-After."""
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from tests.blueprints.test_agent_api import API, auth, register
from tests.conftest import HX
from webconsole.domain import account, agents

PROFILE = {"first_name": "Una", "last_name": "User", "email": "user@acme.test"}


class DeadlockDetected(Exception):
    sqlstate = "40P01"


def busy(*args, **kwargs):
    raise OperationalError("UPDATE devices ...", {}, sqlite3.OperationalError("database is locked"))


def deadlock(*args, **kwargs):
    raise OperationalError("UPDATE org_totals ...", {}, DeadlockDetected("deadlock detected"))


@pytest.mark.parametrize("failure", [busy, deadlock])
def test_an_agent_is_told_to_send_again(app, client, world, monkeypatch, failure):
    answer = register(client, app, world).get_json()
    monkeypatch.setattr(agents, "heartbeat", failure)
    response = client.post(f"{API}/heartbeat", json={}, headers=auth(answer))
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert response.get_json()["error"]["code"] == "busy"


def test_a_person_reads_that_nothing_was_lost(app, client, sign_in, world, monkeypatch):
    sign_in("user@acme.test")
    monkeypatch.setattr(account, "update_own_profile", busy)
    for headers in ({}, HX):
        response = client.post("/account/profile", data=PROFILE, headers=headers)
        assert response.status_code == 503 and response.headers["Retry-After"] == "2"
        assert "Nothing was lost" in response.get_data(as_text=True)
    client.set_cookie("locale", "de")
    assert "Nothing was lost" not in client.post("/account/profile", data=PROFILE).get_data(as_text=True)


def test_other_database_faults_stay_500s(app, client, sign_in, world, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT ...", {}, sqlite3.OperationalError("disk I/O error"))

    sign_in("user@acme.test")
    monkeypatch.setattr(account, "update_own_profile", broken)
    assert client.post("/account/profile", data=PROFILE).status_code == 500
