"""WSGI entry point: `flask --app wsgi ...` and `gunicorn wsgi:app`."""
import gc

from webconsole import create_app

app = create_app()
# What start-up made (the app, its routes, templates, SQLAlchemy's mappers and caches) lives as long as the
# process: frozen out of the garbage collector's reach, it is not walked again by every full collection. An
# API page of 500 devices makes enough objects to set one off; walking the start-up heap each time was
# most of such a page's p95 (146 ms against a median of 45, in-process; 55 ms frozen).
gc.freeze()
