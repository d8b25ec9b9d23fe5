"""The Organizations tree and the one org picker, through the test client."""
import re

import pytest

from tests.conftest import HX

MIXED = ["APAC", "Zulu", "Americas", "éclair", "Eclair", "Europe"]
READ_ORDER = ["Americas", "APAC", "Eclair", "éclair", "Europe", "Platform", "Zulu"]  # Engineering's children


@pytest.fixture
def mixed(world, make_org):
    ids = {name: make_org(name, world["eng"]) for name in MIXED}
    ids["alpha"] = make_org("Alpha", ids["Zulu"])
    return {**world, **ids}


def tree_names(html):
    """(name, indent) of each org row of the tree, in page order."""
    return [(name, int(indent)) for indent, name in re.findall(
        r'<td class="tree-name indent-(\d+)" title="[^"]*">.*?<a href="/orgs/\d+">([^<]*)</a>', html, re.S)]


def test_the_page_shows_the_top_org_and_its_children_with_disclosure_buttons(client, sign_in, mixed):
    sign_in("admin@acme.test")
    html = client.get("/orgs/").get_data(as_text=True)
    assert tree_names(html) == [("Acme", 0), ("Engineering", 1), ("Sales", 1)]
    assert re.search(r'aria-expanded="true"\s+aria-label="Organizations under Acme"', html)
    assert re.search(rf'aria-expanded="false"\s+aria-label="Organizations under Engineering"\s+'
                     rf'hx-get="/orgs/{mixed["eng"]}/children\?[^"]*depth=1', html)
    assert "Parent organization" not in html  # the tree shows it


def test_children_come_in_the_locales_collation_case_and_accents_aside(client, sign_in, mixed):
    sign_in("admin@acme.test")
    html = client.get(f"/orgs/{mixed['eng']}/children?depth=1", headers=HX).get_data(as_text=True)
    assert tree_names(html) == [(name, 2) for name in READ_ORDER]
    html = client.get(f"/orgs/{mixed['eng']}/children?depth=1&sort=name&dir=desc", headers=HX).get_data(as_text=True)
    assert [name for name, _ in tree_names(html)] == READ_ORDER[::-1]


def test_children_come_a_page_at_a_time(client, sign_in, mixed, monkeypatch):
    from webconsole.domain import org_tree
    real = org_tree.child_page
    monkeypatch.setattr(org_tree, "child_page", lambda *a, **k: real(*a, **{**k, "limit": 3}))
    sign_in("admin@acme.test")
    url, seen = f"/orgs/{mixed['eng']}/children?depth=1", []
    while url:
        html = client.get(url, headers=HX).get_data(as_text=True)
        seen += [name for name, _ in tree_names(html)]
        more = re.search(r'class="list-sentinel" data-path="[^"]*more" hx-get="([^"]*)"', html)
        url = more.group(1).replace("&amp;", "&") if more else None
    assert seen == READ_ORDER


def test_an_org_admin_sees_only_their_subtree(client, sign_in, mixed):
    sign_in("orgadmin@acme.test")
    html = client.get("/orgs/").get_data(as_text=True)
    assert tree_names(html)[0] == ("Engineering", 0) and "Acme" not in html and "Sales" not in html
    assert client.get(f"/orgs/{mixed['root']}/children").status_code == 404
    assert client.get(f"/orgs/{mixed['sales']}/children").status_code == 404
    assert client.get(f"/orgs/{mixed['Zulu']}/children?depth=-5&after=x&sort=nope&dir=up").status_code == 200


def test_a_search_shows_its_matches_under_their_ancestors(client, sign_in, mixed):
    sign_in("admin@acme.test")
    html = client.get("/orgs/?q=alph", headers=HX).get_data(as_text=True)
    assert tree_names(html) == [("Acme", 0), ("Engineering", 1), ("Zulu", 2), ("Alpha", 3)]
    assert len(re.findall(r'<tr data-path="[^"]*" class="tree-context">', html)) == 3  # the ancestors, muted
    sign_in("orgadmin@acme.test")
    html = client.get("/orgs/?q=alph").get_data(as_text=True)
    assert tree_names(html) == [("Engineering", 0), ("Zulu", 1), ("Alpha", 2)]  # no ancestor beyond reach
    assert "Nothing matches" in client.get("/orgs/?q=Sales").get_data(as_text=True)


def options(html, name):
    """The labels of the options of the select named `name`, in order."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [label for label in re.findall(r"<option[^>]*>([^<]*)</option>", select) if label not in ("Any", "—")]


def test_every_org_picker_shows_the_same_indented_tree(client, sign_in, mixed):
    sign_in("admin@acme.test")
    pickers = {
        "devices filter": options(client.get("/devices/").get_data(as_text=True), "org"),
        "users filter": options(client.get("/users/").get_data(as_text=True), "org"),
        "report filter": options(client.get("/reports/users/").get_data(as_text=True), "org"),
        "new user": options(client.get("/users/new").get_data(as_text=True), "org_id"),
        "new org": options(client.get("/orgs/new").get_data(as_text=True), "parent_id"),
        "API client": options(client.get("/identity/api-clients/new").get_data(as_text=True), "org_id"),
        "deployment policy": options(client.get("/client-management/").get_data(as_text=True), "org_id"),
        "SSO new users": options(client.get("/identity/single-sign-on/new").get_data(as_text=True), "jit_org_id"),
    }
    indent = "\u2003"
    expected = (["Acme", indent + "Engineering"] + [2 * indent + n for n in READ_ORDER[:-1]]
                + [2 * indent + "Zulu", 3 * indent + "Alpha", indent + "Sales"])
    for where, labels in pickers.items():
        assert labels == expected, where


def test_the_export_sorts_names_regardless_of_case(client, sign_in, mixed):
    sign_in("admin@acme.test")
    names = [line.split(",")[0] for line in client.get("/orgs/export.csv").get_data(as_text=True).splitlines()[1:]]
    assert names.index("Americas") < names.index("APAC") < names.index("Engineering") < names.index("Zulu")
