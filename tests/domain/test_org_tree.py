"""The org tree every picker and the Organizations page show: tree order, the locale's collation, scope."""
import pytest

from webconsole.domain import collation
from webconsole.domain.org_tree import in_tree_order, org_tree
from webconsole.extensions import db
from webconsole.models import Org, User

# Mixed case and accents: "APAC" comes after "Americas", "Éclair" beside "Eclair", not after "Z".
MIXED = ["APAC", "Zulu", "Americas", "éclair", "Eclair", "apac", "Europe"]
READ_ORDER = ["Americas", "apac", "APAC", "Eclair", "éclair", "Europe", "Zulu"]


@pytest.fixture
def mixed(world, make_org):
    ids = {name: make_org(name, world["eng"]) for name in MIXED}
    ids["under_zulu"] = make_org("Alpha", ids["Zulu"])
    return ids


def choices(app, username, permission="orgs.view", **options):
    with app.test_request_context():
        actor = db.session.scalar(db.select(User).where(User.username == username))
        return [(c.name, c.depth) for c in org_tree(actor, permission, **options)]


def test_siblings_follow_the_collation_and_children_follow_their_parent(app, mixed):
    tree = choices(app, "admin@acme.test")
    assert tree[:3] == [("Acme", 0), ("Engineering", 1), ("Americas", 2)]
    under_eng = [name for name, depth in tree if depth == 2]
    assert under_eng == READ_ORDER[:6] + ["Platform", "Zulu"]
    assert tree[tree.index(("Zulu", 2)) + 1] == ("Alpha", 3)  # a child right under its parent
    assert tree[-1] == ("Sales", 1)


@pytest.mark.parametrize("icu", [True, False], ids=["icu", "unicode"])
def test_both_collations_read_case_and_accents_alike(monkeypatch, icu):
    if icu and collation.icu is None:
        pytest.skip("PyICU is not installed")
    if not icu:
        monkeypatch.setattr(collation, "icu", None)
    assert sorted(MIXED, key=collation.name_key("en")) == READ_ORDER


def test_an_org_admin_sees_only_their_subtree(app, mixed):
    tree = choices(app, "orgadmin@acme.test")
    assert tree[0] == ("Engineering", 0) and ("Acme", 0) not in tree and all(n != "Sales" for n, _ in tree)
    assert len(tree) == 1 + len(MIXED) + 2  # Engineering, its children, Platform and Alpha


def test_a_moved_org_is_never_offered_its_own_subtree_and_inactive_orgs_are_left_out(app, mixed):
    with app.app_context():
        zulu = db.session.get(Org, mixed["Zulu"])
        db.session.get(Org, mixed["Europe"]).status = "deactivated"
        db.session.commit()
        with app.test_request_context():
            actor = db.session.scalar(db.select(User).where(User.username == "admin@acme.test"))
            names = [c.name for c in org_tree(actor, "orgs.edit", active_only=True, outside=zulu)]
    assert "Zulu" not in names and "Alpha" not in names and "Europe" not in names and "Americas" in names


def test_a_limited_tree_keeps_the_shallowest_and_the_org_in_use(app, mixed):
    tree = choices(app, "admin@acme.test", limit=3, include=mixed["under_zulu"])
    assert tree == [("Acme", 0), ("Engineering", 1), ("Sales", 1), ("Alpha", 0)]


def test_rows_whose_parent_is_not_shown_are_top_rows():
    class Row:
        def __init__(self, id, parent_id, name):
            self.id, self.parent_id, self.name = id, parent_id, name
    rows = [Row(3, 1, "b"), Row(4, 3, "c"), Row(5, 9, "A"), Row(6, 1, "a")]
    order = in_tree_order(rows, key=lambda row: row.name.casefold())
    assert [(row.id, depth) for row, depth in order] == [(5, 0), (6, 0), (3, 0), (4, 1)]
