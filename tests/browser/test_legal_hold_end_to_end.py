"""Legal hold end to end, in Chromium: a legal-hold administrator creates a policy and a matter, adds two
custodians, sees a custodian's deactivation refused with the reason, collects the matter, watches the
progress complete, downloads the package; every file matches the manifest and a collected file the original."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
from playwright.sync_api import expect

from tests.blueprints.test_restores import backed_up
from tests.conftest import PASSWORD
from tests.endpoints.server import ROOT, ConsoleProcess

pytestmark = pytest.mark.skipif(shutil.which("restic") is None, reason="restic is installed by make test")


@pytest.fixture
def console(app, database_url, tmp_path):
    """The console (gunicorn) and a job worker, on the test's database, storage and master key."""
    env = {"WEBCONSOLE_STORAGE_DIR": str(tmp_path / "storage"), "WEBCONSOLE_MASTER_KEY_FILE": str(tmp_path / "key"),
           "WEBCONSOLE_JOBS_FOLDER": str(tmp_path / "jobs"), "WEBCONSOLE_JOBS_QUEUE_PATH": str(tmp_path / "queue.db")}
    app.config.update(MASTER_KEY_FILE=str(tmp_path / "key"), STORAGE_DIR=str(tmp_path / "storage"))
    server = ConsoleProcess(database_url, log_path=tmp_path / "console.log", env=env).start()
    log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1",
                               "--no-periodic"], cwd=ROOT, env=server.env, stdout=log, stderr=subprocess.STDOUT)
    yield server
    worker.kill()
    worker.wait(timeout=30)
    log.close()
    server.stop()


def sign_in(page, url, username):
    page.goto(url + "/auth/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda address: "/auth/signin" not in address)


@pytest.mark.committed  # the console reads the test's data from another process
def test_a_matter_is_held_collected_and_its_package_verified(app, client, world, console, browser, tmp_path,
                                                             make_user):
    home = tmp_path / "home" / "una"
    (home / "Contracts").mkdir(parents=True)
    original = os.urandom(300_000)
    (home / "Contracts" / "northwind-supply.pdf").write_bytes(original)
    (home / "notes.txt").write_bytes(b"call counsel\n")
    device_id, _answer = backed_up(app, client, world, tmp_path, home)
    make_user("legal@acme.test", "legal_hold_admin", world["root"], first_name="Laura", last_name="Legal")

    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    sign_in(page, console.url, "legal@acme.test")
    expect(page.get_by_role("heading", name="Matters")).to_be_visible()  # their home

    # A policy first: the new-matter page says so.
    page.get_by_role("link", name="New matter").click()
    page.get_by_role("link", name="Create a preservation policy first").click()
    page.get_by_label("Name", exact=True).fill("Whole home, kept indefinitely")
    page.get_by_label("Folders to preserve").fill("~")
    page.get_by_label("Remove deleted files after").select_option(label="Never")
    page.get_by_role("button", name="Create policy").click()
    expect(page.get_by_text("Preservation policy “Whole home, kept indefinitely” created.")).to_be_visible()

    page.get_by_role("link", name="Matters").click()
    page.get_by_role("link", name="New matter").click()
    page.get_by_label("Name", exact=True).fill("Northwind v. Acme")
    page.get_by_label("Preservation policy").select_option(label="Whole home, kept indefinitely")
    page.get_by_label("Reference").fill("2026-CV-0417")
    page.get_by_role("button", name="Create matter").click()
    expect(page.get_by_role("heading", name="Northwind v. Acme")).to_be_visible()

    # Two custodians at once, searched as typed.
    page.get_by_role("link", name="Add custodians").first.click()
    search = page.get_by_label("Users", exact=True)
    search.fill("user@acme")
    page.get_by_label("user@acme.test").check()
    search.fill("seller@")
    page.get_by_label("seller@acme.test").check()
    expect(page.locator("#candidates input:checked")).to_have_count(2)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Custodians added")).to_be_visible()
    expect(page.locator("input[name=custodian]")).to_have_count(2)

    # An administrator may not deactivate a custodian: the refusal names the matter.
    admin = browser.new_context()
    admin_page = admin.new_page()
    sign_in(admin_page, console.url, "admin@acme.test")
    admin_page.goto(f"{console.url}/users/{world['user']}")
    admin_page.get_by_role("link", name="Deactivate").click()
    expect(admin_page.get_by_role("button", name="Deactivate")).to_have_count(0)
    expect(admin_page.get_by_text("cannot be deactivated while on legal hold (Northwind v. Acme)")).to_be_visible()
    admin.close()

    # Collect the matter and watch the job to its end.
    page.get_by_role("button", name="Collect").click()
    expect(page.locator("#job-status progress")).to_be_visible()
    expect(page.get_by_text("Finished", exact=True)).to_be_visible(timeout=90_000)
    link = page.get_by_role("link", name="Download")
    with page.expect_download() as downloading:
        link.click()
    package = tmp_path / "package.zip"
    downloading.value.save_as(package)
    context.close()

    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        listed = {f["path"]: f["sha256"] for f in manifest["files"]}
        assert set(listed) == set(archive.namelist()) - {"manifest.json"}
        for name, digest in listed.items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
        [collected] = [n for n in archive.namelist() if n.endswith("Contracts/northwind-supply.pdf")]
        assert archive.read(collected) == original
        assert "SELLER-LAPTOP" in archive.read("custodians/seller@acme.test/files-not-collected.txt").decode()
    with open(package, "rb") as stream:
        digest = hashlib.sha256(stream.read()).hexdigest()
    page = browser.new_page()
    sign_in(page, console.url, "legal@acme.test")
    page.goto(console.url + "/legal-hold/matters/")
    page.get_by_role("link", name="Northwind v. Acme").click()
    expect(page.get_by_text(digest)).to_be_visible()  # the collection history keeps the package's own SHA-256
    page.close()
    assert device_id
