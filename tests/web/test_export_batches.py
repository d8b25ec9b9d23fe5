"""Exports read in short batches: no read transaction is held from one batch to the next, so a long
export never stops a WAL checkpoint (SQLite) or vacuum (PostgreSQL), and keyset pages lose or repeat
no row when rows are added while the export runs."""
import csv
import io
import sqlite3

import pytest
from sqlalchemy import insert, text

from webconsole.domain import jobs
from webconsole.domain.listings import Listing, ListParams
from webconsole.extensions import db
from webconsole.jobs import exports as export_jobs
from webconsole.models import User
from webconsole.web import list_views
from webconsole.web.lists import spec_for

# The rows added between batches, and the checkpoint, come from connections of their own.
pytestmark = pytest.mark.committed

BATCH = 2


def _add_user(app, username, org_id):
    """Commit a user from a connection of the test's own, as another request would."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(insert(User).values(username=username, email=username, password_hash="x", org_id=org_id,
                                               first_name="", last_name="", status="active"))


@pytest.fixture
def between_batches(monkeypatch):
    """between_batches(fn): runs `fn(n)` before every page of a listing after the first (n: how many
    so far), and returns the list of whether the export's session was in a transaction each time."""
    in_transaction, hook = [], [lambda n: None]
    page = Listing.page

    def watched(self, actor, params, **kwargs):
        if kwargs.get("after") is not None:
            in_transaction.append(db.session().in_transaction())
            hook[0](len(in_transaction))
        return page(self, actor, params, **kwargs)

    monkeypatch.setattr(Listing, "page", watched)

    def install(fn):
        hook[0] = fn
        return in_transaction

    return install


def _rows(response):
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))[1:]


def test_a_csv_export_ends_its_read_transaction_between_batches(app, client, sign_in, world, between_batches,
                                                                 monkeypatch):
    monkeypatch.setattr(list_views, "EXPORT_BATCH", BATCH)
    for n in range(5):
        _add_user(app, f"u{n}@acme.test", world["root"])
    in_transaction = between_batches(lambda n: None)
    sign_in("admin@acme.test")
    response = client.get("/users/export.csv?sort=username")
    assert response.status_code == 200
    assert len(_rows(response)) == 11
    assert len(in_transaction) >= 4
    assert not any(in_transaction)


def test_a_wal_checkpoint_completes_between_batches_of_a_csv_export(app, client, sign_in, world, between_batches,
                                                                    monkeypatch):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("WAL checkpoints are SQLite's")
        path = db.engine.url.database
    monkeypatch.setattr(list_views, "EXPORT_BATCH", BATCH)
    for n in range(5):
        _add_user(app, f"u{n}@acme.test", world["root"])
    results = []

    def checkpoint(n):
        # A write first, so that the WAL holds frames to copy back; then a full checkpoint.
        _add_user(app, f"zz-added-{n}@acme.test", world["root"])
        with sqlite3.connect(path) as other:
            results.append(other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())

    between_batches(checkpoint)
    sign_in("admin@acme.test")
    response = client.get("/users/export.csv?sort=username")
    names = [row[0] for row in _rows(response)]
    assert results and all(busy == 0 for busy, _log, _done in results), results
    # Users added behind the cursor come once each, in order; none is lost or repeated.
    assert len(names) == len(set(names))
    assert [n for n in names if n.startswith("zz-added-")] == [
        f"zz-added-{n}@acme.test" for n in range(1, len(results) + 1)]


def test_postgresql_sees_no_transaction_left_open_between_batches(app, client, sign_in, world, between_batches,
                                                                 monkeypatch):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("pg_stat_activity is PostgreSQL's")
    monkeypatch.setattr(list_views, "EXPORT_BATCH", BATCH)
    for n in range(5):
        _add_user(app, f"u{n}@acme.test", world["root"])
    idle = []

    def look(n):
        # An "idle in transaction" backend holds back vacuum's horizon for as long as it stays so.
        with app.app_context(), db.engine.connect() as other:
            idle.append(other.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")))

    between_batches(look)
    sign_in("admin@acme.test")
    assert len(_rows(client.get("/users/export.csv?sort=username"))) == 11
    assert idle and not any(idle), idle


def test_an_export_job_reads_each_batch_in_a_transaction_of_its_own(app, world, between_batches, monkeypatch,
                                                                    tmp_path):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")
    monkeypatch.setattr(export_jobs, "BATCH", BATCH)
    for n in range(5):
        _add_user(app, f"u{n}@acme.test", world["root"])
    in_transaction = between_batches(lambda n: _add_user(app, f"zz-added-{n}@acme.test", world["root"]))
    with app.app_context():
        actor = db.session.get(User, world["admin"])
        spec = spec_for("users")
        params = ListParams(sort="username", dir="asc")
        job = jobs.start_job(export_jobs.KIND, actor=actor, label="Users export", permission="users.view",
                             params=export_jobs.export_params(spec, params, spec.default_columns))
        path, _name = jobs.result_for(actor, job.id)
    with open(path, encoding="utf-8-sig", newline="") as f:
        names = [row[0] for row in csv.reader(f)][1:]
    assert in_transaction and not any(in_transaction)
    assert len(names) == len(set(names))
    assert [n for n in names if n.startswith("zz-added-")] == [
        f"zz-added-{n}@acme.test" for n in range(1, len(in_transaction) + 1)]
