"""One test database per pytest-xdist worker, so that the two halves of a parallel run never share rows.

SQLite databases live in each worker's own temporary folder already. A PostgreSQL URL (TEST_DATABASE_URL,
BROWSER_DATABASE_URL) names the database of a serial run; worker `gw1` gets `<name>_gw1` on the same
server, created on first use.
"""
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def for_worker(url, worker_id):
    """The URL of this worker's database: `url` itself outside xdist ("master")."""
    if worker_id == "master":
        return url
    server = make_url(url)
    if server.get_backend_name() == "sqlite":
        if not server.database or server.database == ":memory:":
            return url
        return server.set(database=f"{server.database}.{worker_id}").render_as_string(hide_password=False)
    name = f"{server.database}_{worker_id}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                      {"name": name}).scalar():
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)
