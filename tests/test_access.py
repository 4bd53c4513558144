"""The access matrix, role × page, written out in full: a change to ui.shell.access must change this
table too, on purpose."""

from __future__ import annotations

import ast

import pytest

from semantic.errors import UnknownNameError
from semantic.scope import ROLES
from ui.shell.access import ACCESS, PAGE_IDS, can_open
from ui.shell.navigation import PAGES

# page id: (admin, manager, charge_clientele, partenaire)
MATRIX = {
    "accueil": (True, True, True, True),
    "tableau_de_bord": (True, True, True, True),
    "objectifs": (True, True, True, True),
    "residence": (True, True, True, False),
    "evolution": (True, True, True, True),
    "carte": (True, True, True, True),
    "aide_attribution": (True, True, True, False),
    "catalogue": (True, True, True, True),
    "concertation": (True, True, True, True),
    "administration": (True, False, False, False),
    "objectifs_edition": (True, True, False, False),
    # action inside a page: managers read the local targets, only admins change them
    "objectifs_edition.modifier": (True, False, False, False),
}
ROLE_ORDER = ("admin", "manager", "charge_clientele", "partenaire")
CASES = [
    (role, access_id, allowed[i])
    for access_id, allowed in MATRIX.items()
    for i, role in enumerate(ROLE_ORDER)
]


@pytest.mark.parametrize(("role", "access_id", "expected"), CASES)
def test_can_open(role, access_id, expected):
    assert can_open(role, access_id) is expected


def test_matrix_covers_every_role_and_access_id():
    assert set(ROLE_ORDER) == set(ROLES)
    assert set(MATRIX) == set(ACCESS)
    assert len(CASES) == len(ROLES) * len(ACCESS)


def test_partner_pages_are_exactly_the_read_only_ones_and_the_concertation():
    assert {p for p in PAGE_IDS if can_open("partenaire", p)} == {
        "accueil",
        "tableau_de_bord",
        "objectifs",
        "evolution",
        "carte",
        "catalogue",
        "concertation",  # proposes and comments on its territory only (store.concertation)
    }


@pytest.mark.parametrize("role", [None, "", "ADMIN", "invite", "admin "])
def test_unknown_role_is_refused_everywhere(role):
    assert not any(can_open(role, access_id) for access_id in ACCESS)


def test_unknown_page_id_is_an_error_with_the_closest_id():
    with pytest.raises(UnknownNameError, match="Vouliez-vous dire « administration »"):
        can_open("admin", "administation")


def test_navigation_lists_the_same_pages():
    ids = [entry.page_id for entry in PAGES]
    assert sorted(ids) == sorted(PAGE_IDS)
    assert len(ids) == len(set(ids))


def _guarded_page_ids(path) -> list[str]:
    """The page ids given to `require_page` in a page file (a literal or a module constant)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "require_page"
            and node.args
        ):
            arg = node.args[0]
            if isinstance(arg, ast.Constant):
                found.append(arg.value)
            elif isinstance(arg, ast.Name):
                found.append(constants.get(arg.id))
    return found


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_every_page_file_calls_the_guard_with_its_own_id(page_id):
    from ui.shell.navigation import page_path

    assert _guarded_page_ids(page_path(page_id)) == [page_id]
