"""S3-compatible destinations: added with checked values, the key sealed, handed to devices in their plan,
and restored from on the web, against a real S3 protocol server on loopback."""
import shutil
import subprocess

import pytest
from sqlalchemy import select

from tests.blueprints.test_agent_api import API, _sets_to, auth, register
from webconsole.domain import keystore
from webconsole.extensions import db
from webconsole.models import AuditEvent, Destination, Device

FORM = {"name": "Object storage", "endpoint": "", "bucket": "backups", "prefix": "fleet/", "region": "",
        "access_key_id": "test-key-id", "secret_access_key": "test-secret"}


def test_an_administrator_adds_one_and_bad_values_are_named(app, client, world, sign_in):
    sign_in("orgadmin@acme.test")
    assert client.get("/destinations/new-s3").status_code == 403  # an Org Admin manages no destinations
    sign_in("admin@acme.test")
    refusals = (("endpoint", "ftp://x", "Enter the service"), ("endpoint", "http://h/path", "Enter the service"),
                ("bucket", "Upper_Case", "bucket name"), ("prefix", "../up", "slashes only"),
                ("access_key_id", "a b", "access key ID"), ("secret_access_key", "short", "secret"),
                ("name", "", "1 to 255"))
    for field, value, message in refusals:
        data = {**FORM, "endpoint": "https://s3.example.com", field: value}
        page = client.post("/destinations/new-s3", data=data)
        html = page.get_data(as_text=True)
        assert page.status_code == 422 and message in html, (field, value)
        assert "test-secret" not in html  # the secret is never sent back
    done = client.post("/destinations/new-s3", data={**FORM, "endpoint": "https://s3.example.com/"})
    assert done.status_code == 302
    with app.app_context():
        destination = db.session.scalar(select(Destination).where(Destination.kind == "s3"))
        assert (destination.endpoint, destination.bucket, destination.prefix, destination.region) == (
            "https://s3.example.com", "backups", "fleet", "us-east-1")
        assert "test-secret" not in destination.sealed_secret and keystore.unseal(destination.sealed_secret) == \
            "test-secret"
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "destination.create"))
        assert "test-secret" not in str(entry.details)
    again = client.post("/destinations/new-s3", data={**FORM, "endpoint": "https://s3.example.com"})
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)


@pytest.mark.skipif(shutil.which("restic") is None, reason="restic is installed by make test")
def test_devices_get_the_bucket_and_key_and_the_web_restores_from_it(app, client, world, sign_in, s3_endpoint,
                                                                     tmp_path):
    sign_in("admin@acme.test")
    assert client.post("/destinations/new-s3", data={**FORM, "endpoint": s3_endpoint}).status_code == 302
    with app.app_context():
        destination_id = db.session.scalar(select(Destination.id).where(Destination.kind == "s3"))
    _sets_to(app, world, destination_id)
    answer = register(client, app, world).get_json()
    plan = client.get(f"{API}/backup-plan", headers=auth(answer)).get_json()
    [entry] = plan["destinations"]
    assert entry["repository"] == f"s3:{s3_endpoint}/backups/fleet/{answer['guid']}"
    assert entry["env"] == {"AWS_ACCESS_KEY_ID": "test-key-id", "AWS_SECRET_ACCESS_KEY": "test-secret",
                            "AWS_DEFAULT_REGION": "us-east-1"}
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.txt").write_bytes(b"kept in the bucket\n")
    environment = {**entry["env"], "RESTIC_PASSWORD": entry["password"], "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for arguments in (["init"], ["backup", str(folder)]):
        subprocess.run(["restic", "-q", "-r", entry["repository"], *arguments], env=environment, check=True,
                       capture_output=True)
    with app.app_context():
        device_id = db.session.scalar(select(Device.id).where(Device.guid == answer["guid"]))
    sign_in("user@acme.test")
    html = client.get(f"/restore/devices/{device_id}/", query_string={"path": str(folder)}).get_data(as_text=True)
    assert "report.txt" in html
    body = client.post(f"/restore/devices/{device_id}/download", data={"path": [str(folder / "report.txt")]}).data
    assert body == b"kept in the bucket\n"
