import re

import pytest

from tests.conftest import HX
from webconsole.extensions import db
from webconsole.models import Device, Role, RolePermission, User


def test_the_panel_is_there_only_for_roles_with_the_cli(client, sign_in, world):
    sign_in("admin@acme.test")
    assert 'id="console-panel"' in client.get("/account/profile").get_data(as_text=True)
    sign_in("orgadmin@acme.test")
    assert 'id="console-panel"' not in client.get("/account/profile").get_data(as_text=True)
    assert client.post("/console/run", data={"line": "help"}).status_code == 403


def test_output_is_an_escaped_fragment_or_json(client, sign_in, world, make_device):
    make_device(world["seller"], "<script>alert(1)</script>")
    sign_in("admin@acme.test")
    html = client.post("/console/run", data={"line": "devices script"}, headers=HX).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    response = client.post("/console/run", json={"line": "nope"})
    assert response.status_code == 400 and response.get_json()["ok"] is False


# -- the command line lists what the same actor's pages list ---------------------------------------

def grant(app, user_id, key, scope, *permissions):
    """Give the user one more role (made here) with `permissions` over `scope`."""
    with app.app_context():
        role = Role(key=key, name=key, scope=scope, builtin=False,
                    permissions=[RolePermission(permission=p) for p in permissions])
        user = db.session.get(User, user_id)
        user.roles.append(role)
        db.session.commit()


def cli(client, line):
    """The command line's table for `line`, as rows of cells (the heading and its rule left out)."""
    response = client.post("/console/run", json={"line": line})
    assert response.status_code == 200, response.get_json()
    lines = response.get_json()["output"].splitlines()[2:]
    return [re.split(r" {2,}", text) for text in lines]


def page_rows(client, url):
    """Every row of a list page, following its infinite-scroll rows, as [cell text] (tags stripped) with
    the cell's <time datetime> where there is one."""
    rows, html = [], client.get(url, headers=HX).get_data(as_text=True)
    while True:
        for row in re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[-1], re.S):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            rows.append([(re.findall(r'datetime="([^"]*)"', c) or [" ".join(re.sub(r"<[^>]+>", " ", c).split())])[0]
                         for c in cells])
        found = re.search(r'hx-get="([^"]*/rows\?cursor=[^"]*)"', html)
        if not found:
            return rows
        html = "<tbody>" + client.get(found.group(1).replace("&amp;", "&"), headers=HX).get_data(as_text=True)


def audit_page(client):
    """(time to the second, actor) of each Audit Log entry, newest first, as the page shows them."""
    return [(at[:19].replace("T", " "), actor) for at, actor, *_ in page_rows(client, "/audit/")]


def test_audit_tail_shows_what_the_audit_log_shows_the_same_viewer(app, client, sign_in, world):
    grant(app, world["auditor"], "auditor_cli", "self", "console.cli")
    sign_in("helpdesk@acme.test", "wrong")
    for _ in range(3):
        sign_in("helpdesk@acme.test")
        client.post("/auth/signout")
    sign_in("auditor@acme.test")
    tail = [(at, actor) for at, actor, *_ in cli(client, "audit.tail 8")]
    shown = audit_page(client)
    assert len(tail) == 8 and len(shown) > 8  # more than a page (5 rows in tests) on both sides
    assert tail == shown[:8]


def test_audit_tail_keeps_to_the_audit_scope_of_the_audit_log(app, client, sign_in, world):
    # The Audit Log is tenant-wide: a role that reads it only within an org subtree sees no entry there,
    # and the command line used to show every entry to it all the same.
    grant(app, world["orgadmin"], "org_auditor", "subtree", "audit.view", "console.cli")
    sign_in("helpdesk@acme.test", "wrong")
    sign_in("orgadmin@acme.test")
    assert audit_page(client) == []
    assert cli(client, "audit.tail 20") == []


@pytest.mark.parametrize("who, search", [
    ("orgadmin@acme.test", "user@acme"),  # the owner's username: the list matches it, not just the name
    ("orgadmin@acme.test", "laptop"),  # SELLER-LAPTOP is outside the Org Admin's subtree
    ("admin@acme.test", "laptop"),
    ("admin@acme.test", "mac"),
])
def test_devices_lists_what_the_devices_list_shows_for_the_same_search(app, client, sign_in, world, make_device,
                                                                       who, search):
    grant(app, world["orgadmin"], "org_cli", "self", "console.cli")
    builds = [make_device(world["user"], f"Build-{n}") for n in range(6)]
    with app.app_context():
        for n, device_id in enumerate(builds):  # found by their hostname
            db.session.get(Device, device_id).hostname = f"mac-build-{n}"
        db.session.commit()
    sign_in(who)
    listed = [name for _guid, name, *_ in cli(client, f"devices {search}")]
    shown = [name for name, *_ in page_rows(client, f"/devices/?q={search}")]
    assert listed and listed == shown
