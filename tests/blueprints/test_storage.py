"""restic's REST protocol on /storage/<guid>/, through the test client: what restic and an attacker meet."""
import base64
import hashlib
import json
import os
import threading
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.domain.test_settings import form
from webconsole.domain import settings, storage
from webconsole.domain.agents import _hash
from webconsole.extensions import db
from webconsole.models import BackupState, Device, Repository, User
from webconsole.store.repository_files import Exists, RepositoryFiles

SECRET = "the-device-secret"
V2 = "application/vnd.x.restic.rest.v2"


def sha(body):
    return hashlib.sha256(body).hexdigest()


def basic(guid, secret=SECRET):
    return {"Authorization": "Basic " + base64.b64encode(f"{guid}:{secret}".encode()).decode()}


@pytest.fixture
def root(app, tmp_path):
    app.config["STORAGE_DIR"] = str(tmp_path / "storage")
    return tmp_path / "storage"


def _device(app, device_id):
    with app.app_context():
        device = db.session.get(Device, device_id)
        device.secret_hash = _hash(SECRET)
        db.session.commit()
        return device.guid


@pytest.fixture
def laptop(app, world, root):
    """The user's laptop, with a secret, its repository created: (guid, headers, base url)."""
    guid = _device(app, world["user_laptop"])
    return guid, basic(guid), f"/storage/{guid}/"


@pytest.fixture
def repo(client, laptop):
    guid, headers, url = laptop
    assert client.post(url + "?create=true", headers=headers).status_code == 200
    return laptop


def stored(app, device_id):
    with app.app_context():
        repository = db.session.scalar(select(Repository).where(Repository.device_id == device_id))
        return repository.stored_bytes, repository.stored_files


def test_credentials_are_the_devices_own(app, client, world, laptop):
    guid, headers, url = laptop
    answer = client.get(url + "config")
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == 'Basic realm="webconsole storage"'
    assert client.get(url + "config", headers=basic(guid, "wrong")).status_code == 401
    other = _device(app, world["seller_laptop"])
    assert client.get(f"/storage/{other}/config", headers=headers).status_code == 403
    assert client.post(f"/storage/{other}/?create=true", headers=headers).status_code == 403
    with app.app_context():
        db.session.get(Device, world["user_laptop"]).status = "blocked"
        db.session.commit()
    assert client.get(url + "config", headers=headers).status_code == 403


def test_init_writes_the_config_once(app, client, repo, root):
    guid, headers, url = repo
    assert (root / guid / "data" / "ff").is_dir() and (root / guid / "keys").is_dir()
    assert client.head(url + "config", headers=headers).status_code == 404
    assert client.post(url + "config", data=b"sealed config", headers=headers).status_code == 200
    assert client.post(url + "config", data=b"another config", headers=headers).status_code == 403
    answer = client.get(url + "config", headers=headers)
    assert answer.status_code == 200 and answer.data == b"sealed config"
    assert client.head(url + "config", headers=headers).headers["Content-Length"] == "13"
    assert client.post(url, headers=headers).status_code == 400  # no ?create=true


def test_files_are_listed_read_by_range_and_written_once(app, client, repo, root, world):
    guid, headers, url = repo
    pack = os.urandom(100_000)
    name = sha(pack)
    assert client.post(f"{url}data/{name}", data=pack, headers=headers).status_code == 200
    assert (root / guid / "data" / name[:2] / name).read_bytes() == pack
    assert client.post(f"{url}data/{name}", data=pack, headers=headers).status_code == 403
    v1 = client.get(url + "data/", headers=headers)
    assert json.loads(v1.data) == [name] and v1.content_type == "application/vnd.x.restic.rest.v1"
    v2 = client.get(url + "data/", headers={**headers, "Accept": V2})
    assert json.loads(v2.data) == [{"name": name, "size": 100_000}] and v2.content_type == V2
    assert client.head(f"{url}data/{name}", headers=headers).headers["Content-Length"] == "100000"
    part = client.get(f"{url}data/{name}", headers={**headers, "Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.data == pack[1000:2000]
    tail = client.get(f"{url}data/{name}", headers={**headers, "Range": "bytes=99990-"})
    assert tail.status_code == 206 and tail.data == pack[99990:]
    assert client.get(f"{url}data/{name}", headers=headers).data == pack
    assert client.get(f"{url}keys/{name}", headers=headers).status_code == 404


def test_a_body_that_is_not_its_name_is_refused_and_nothing_is_kept(app, client, repo, root, world):
    guid, headers, url = repo
    answer = client.post(f"{url}snapshots/{sha(b'one')}", data=b"another", headers=headers)
    assert answer.status_code == 400 and b"SHA-256" in answer.data
    assert os.listdir(root / guid / "snapshots") == []
    assert stored(app, world["user_laptop"]) == (0, 0)


@pytest.mark.parametrize("path", [
    "data/..", "data/%2e%2e", "data/..%2fconfig", "data/" + "0" * 25, "data/" + "A" * 64, "data/" + "0" * 63,
    "data/" + "0" * 65, "data/" + "%C3%A9" * 64, "data/" + "0" * 63 + "%00", "..%2f..%2fetc/" + "0" * 64,
    "etc/" + "0" * 64, "config/" + "0" * 64, "data/" + "0" * 64 + "/x", "%2e%2e/",
])
def test_hostile_names_never_become_paths(client, repo, root, path):
    guid, headers, url = repo
    for method in (client.get, client.post, client.delete):
        answer = method(url + path, data=b"x", headers=headers)
        assert answer.status_code in (400, 403, 404, 405), (method, path, answer.status_code)
    outside = {p.name for p in root.parent.iterdir()}
    assert outside <= {"storage", "console.log"}
    assert all(not files for _dir, _sub, files in os.walk(root / guid))


def test_hostile_guids_are_refused(client, repo):
    guid, headers, _url = repo
    for bad in ("..", "%2e%2e", guid + "%00", "0" * 40, "é"):
        assert client.get(f"/storage/{bad}/config", headers=headers).status_code in (400, 401, 403, 404)


def test_same_name_uploads_at_once_store_one_file(tmp_path):
    files = RepositoryFiles(str(tmp_path), "123456789012345678")
    files.create()
    body = os.urandom(50_000)
    both_reading = threading.Barrier(2, timeout=10)

    class Slow:
        """A body whose first read waits until the other upload is reading too."""
        def __init__(self):
            self.sent = False

        def read(self, size):
            if self.sent:
                return b""
            both_reading.wait()
            self.sent = True
            return body

    outcomes = []

    def upload():
        try:
            outcomes.append(files.write("data", sha(body), Slow()))
        except Exists:
            outcomes.append("exists")

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes, key=str) == [50_000, "exists"]
    assert files.listing("data") == [(sha(body), 50_000)]
    assert os.listdir(os.path.dirname(files.file_path("data", sha(body)))) == [sha(body)]  # no temporary left


def test_accounting_stays_exact_as_files_come_and_go(app, client, repo, world):
    guid, headers, url = repo
    bodies = [os.urandom(n) for n in (10, 2000, 33 * 1024 * 1024)]  # the last beyond the console's 32 MiB
    client.post(url + "config", data=b"config!", headers=headers)
    for body in bodies:
        assert client.post(f"{url}data/{sha(body)}", data=body, headers=headers).status_code == 200
    assert client.post(f"{url}locks/{sha(b'lock')}", data=b"lock", headers=headers).status_code == 200
    assert client.delete(f"{url}data/{sha(bodies[1])}", headers=headers).status_code == 200
    assert client.delete(f"{url}data/{sha(bodies[1])}", headers=headers).status_code == 404
    assert client.delete(f"{url}locks/{sha(b'lock')}", headers=headers).status_code == 200
    expected = (7 + 10 + 33 * 1024 * 1024, 3)
    assert stored(app, world["user_laptop"]) == expected
    with app.app_context():
        repository = db.session.scalar(select(Repository).where(Repository.device_id == world["user_laptop"]))
        repository.stored_bytes, repository.stored_files = 1, 1  # drifted (a crash between disk and database)
        assert storage.recount(repository) == expected
    assert stored(app, world["user_laptop"]) == expected


def test_append_only_keeps_everything_but_locks(app, client, repo, world):
    guid, headers, url = repo
    for kind, body in (("snapshots", b"snap"), ("locks", b"lock")):
        client.post(f"{url}{kind}/{sha(body)}", data=body, headers=headers)
    with app.app_context():
        db.session.scalar(select(Repository).where(Repository.device_id == world["user_laptop"])).append_only = True
        db.session.commit()
    answer = client.delete(f"{url}snapshots/{sha(b'snap')}", headers=headers)
    assert answer.status_code == 403 and b"append-only" in answer.data
    assert client.delete(url + "config", headers=headers).status_code == 403
    assert client.delete(f"{url}locks/{sha(b'lock')}", headers=headers).status_code == 200
    assert client.post(f"{url}snapshots/{sha(b'new')}", data=b"new", headers=headers).status_code == 200
    assert len(json.loads(client.get(url + "snapshots/", headers=headers).data)) == 2


def test_a_full_quota_refuses_the_write_with_507_and_says_so_on_the_device(app, client, repo, world, root):
    guid, headers, url = repo
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        settings.save_group(admin, world["root"], "quotas", form("quotas", user_quota_gb=1), "save")
        # The user's other device already holds all but 100 bytes of the quota.
        mac = db.session.get(Device, world["user_mac"])
        db.session.add(Repository(device_id=mac.id, destination_id=storage.local_destination().id,
                                  stored_bytes=storage.GB - 100, stored_files=1))
        db.session.commit()
    assert client.post(f"{url}data/{sha(b'small')}", data=b"small", headers=headers).status_code == 200
    big = os.urandom(200)
    answer = client.post(f"{url}data/{sha(big)}", data=big, headers=headers)
    assert answer.status_code == 507 and b"quota of 1 GB" in answer.data
    assert not (root / guid / "data" / sha(big)[:2] / sha(big)).exists()
    assert stored(app, world["user_laptop"]) == (5, 1)
    with app.app_context():
        state = db.session.scalar(select(BackupState).where(BackupState.device_id == world["user_laptop"]))
        assert state.error.startswith("quota full")
        db.session.scalar(select(Repository).where(Repository.device_id == world["user_mac"])).stored_bytes = 0
        db.session.commit()
    assert client.post(f"{url}data/{sha(big)}", data=big, headers=headers).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(BackupState.error).where(BackupState.device_id == world["user_laptop"])) == ""


def test_a_body_beyond_256_mib_is_refused_before_it_is_read(client, repo):
    guid, headers, url = repo
    answer = client.post(f"{url}data/{sha(b'x')}", data=b"x", headers=headers,
                         environ_overrides={"CONTENT_LENGTH": str(257 * 1024 * 1024)})
    assert answer.status_code == 413


def test_the_destinations_page_shows_this_servers_disk_and_repositories_in_scope(app, client, world, sign_in, root):
    with app.app_context():
        local = storage.local_destination()
        db.session.add_all([
            Repository(device_id=world["user_laptop"], destination_id=local.id, stored_bytes=5 * 1024**2,
                       stored_files=12, checked_at=datetime(2026, 3, 1, 12), check_result="failed",
                       check_message="pack 1f2e… is damaged <b>"),
            Repository(device_id=world["seller_laptop"], destination_id=local.id, stored_bytes=9 * 1024**2,
                       stored_files=30)])
        db.session.commit()
    sign_in("admin@acme.test")
    page = client.get("/destinations/").get_data(as_text=True)
    assert "This server" in page and "14 MB" in page.replace("\xa0", " ")
    assert page.index("SELLER-LAPTOP") < page.index("USER-LAPTOP")  # the largest first
    assert f'href="/devices/{world["user_laptop"]}"' in page
    assert "pack 1f2e… is damaged &lt;b&gt;" in page and "Failed" in page
    client.post("/auth/signout")
    sign_in("orgadmin@acme.test")
    page = client.get("/destinations/").get_data(as_text=True)
    assert "USER-LAPTOP" in page and "SELLER-LAPTOP" not in page
    assert "5 MB" in page.replace("\xa0", " ")
