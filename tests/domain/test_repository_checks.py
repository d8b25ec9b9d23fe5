"""The nightly `restic check` of the repositories this server stores, with the real restic."""
import os
import shutil

import pytest
from sqlalchemy import select

from tests.blueprints.test_restores import backed_up, files  # noqa: F401 (files is a fixture)
from webconsole.domain import repository_checks
from webconsole.extensions import db
from webconsole.models import Destination, Device, Repository

pytestmark = pytest.mark.skipif(shutil.which("restic") is None, reason="restic is installed by make test")


def repository_of(app, device_id):
    with app.app_context():
        destination = db.session.scalar(select(Destination).where(Destination.kind == "local"))
        db.session.add(Repository(device_id=device_id, destination_id=destination.id))
        db.session.commit()


def result_of(app):
    with app.app_context():
        repository = db.session.scalar(select(Repository))
        return repository.check_result, repository.check_message, repository.checked_at


def test_a_sound_repository_passes_and_a_damaged_one_fails(app, client, world, tmp_path, files):  # noqa: F811
    device_id, _answer = backed_up(app, client, world, tmp_path, files)
    repository_of(app, device_id)
    with app.app_context():
        assert repository_checks.check_all() == {"ok": 1}
    result, message, checked_at = result_of(app)
    assert (result, message) == ("ok", "no errors were found") and checked_at is not None
    with app.app_context():  # written straight to the folder here: the nightly recount finds it
        assert db.session.scalar(select(Repository.stored_bytes)) > 70_000
    with app.app_context():
        guid = db.session.get(Device, device_id).guid
    data = tmp_path / "storage" / guid / "data"
    for pack in data.rglob("*"):
        if pack.is_file():
            os.chmod(pack, 0o600)
            pack.write_bytes(b"damaged")
            break
    with app.app_context():
        assert repository_checks.check_all() == {"failed": 1}
    result, message, _at = result_of(app)
    assert result == "failed" and message


def test_a_repository_the_console_has_no_key_for_is_said_to_be_uncheckable(app, client, world, tmp_path,
                                                                           files):  # noqa: F811
    device_id, _answer = backed_up(app, client, world, tmp_path, files, key_type="custom", password="device-only")
    repository_of(app, device_id)
    with app.app_context():
        assert repository_checks.check_all() == {"not checkable": 1}
    result, message, _at = result_of(app)
    assert result == "" and "keeps the console out" in message
