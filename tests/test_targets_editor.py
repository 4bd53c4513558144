"""The targets editor: the store that changes objectifs.yaml (whole-list validation with lines,
atomic write, diffable file, before → after for the audit), and the Objectifs locaux page driven with
AppTest: a target added there shows on the alerts page and in `evaluate_targets`; managers read
only; other roles are refused."""

from __future__ import annotations

import datetime as dt
import difflib
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from queries.engine import open_engine
from queries.targets import evaluate_targets
from semantic import objectifs_store as store
from semantic.catalogue import load_catalogue
from semantic.objectifs import load_targets
from semantic.scope import Scope
from tests import apptest_support as support
from tests.apptest_support import ACCOUNTS, HOME, ROOT, portal, steady_navigation
from tests.tiny_data import E1, E2, write_tiny_root
from ui.shell import audit
from ui.shell.navigation import page_path

DEMO_TARGETS = ROOT / "data" / "demo" / "objectifs.yaml"
T1 = "part_attributions_q1_hors_qpv"
NEW = {
    "id": "cia-voironnais-t1-2025",
    "indicateur": T1,
    "territoire": {"echelle": "epci", "code": E2},
    "filtres": {},
    "annee": 2025,
    "sens": ">=",
    "cible": 0.3,
    "tolerance": 0.03,
    "source": "CIA du Pays Voironnais (test)",
    "commentaire": "",
}


@pytest.fixture
def catalogue():
    return load_catalogue()


@pytest.fixture
def targets_file(tmp_path):
    path = tmp_path / "objectifs.yaml"
    shutil.copy(DEMO_TARGETS, path)
    return path


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


# --- the store ----------------------------------------------------------------------------------


def test_rewriting_the_demo_file_changes_nothing(targets_file):
    """Key order, quoting and numbers as a person writes them: a rewrite is byte-identical."""
    text = targets_file.read_text(encoding="utf-8")
    assert store.render(store.read_entries(targets_file), store._header(targets_file)) == text


def test_add_appends_one_block_and_returns_the_after(targets_file, catalogue):
    before = targets_file.read_text(encoding="utf-8")
    change = store.add_target(targets_file, NEW, catalogue)
    after = targets_file.read_text(encoding="utf-8")
    assert after.startswith(before)  # one new block at the end, nothing else moves
    assert after[len(before) :] == (
        "  - id: cia-voironnais-t1-2025\n"
        "    indicateur: part_attributions_q1_hors_qpv\n"
        '    territoire: {echelle: epci, code: "243800984"}\n'
        "    filtres: {}\n"
        "    annee: 2025\n"
        '    sens: ">="\n'
        "    cible: 0.30\n"
        "    tolerance: 0.03\n"
        '    source: "CIA du Pays Voironnais (test)"\n'
        '    commentaire: ""\n'
    )
    loaded = {t.id: t for t in load_targets(targets_file, catalogue)}
    assert loaded[NEW["id"]].cible == 0.3 and loaded[NEW["id"]].territoire.code == E2
    assert change.audit_details() == {
        "action": "objectif_ajout",
        "objectif": NEW["id"],
        "champs": list(NEW),
        "avant": None,
        "apres": NEW,
    }
    assert leftovers(targets_file.parent) == []


def test_change_touches_only_the_changed_line(targets_file, catalogue):
    before = targets_file.read_text(encoding="utf-8").splitlines()
    (entry,) = [e for e in store.read_entries(targets_file) if e["id"] == "cia-gam-t1-2026"]
    change = store.change_target(
        targets_file, "cia-gam-t1-2026", {**entry, "cible": 0.32}, catalogue
    )
    diff = [
        line
        for line in difflib.unified_diff(before, targets_file.read_text().splitlines(), n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert diff == ["-    cible: 0.30", "+    cible: 0.32"]
    assert change.changed_fields == ["cible"]
    assert (change.before["cible"], change.after["cible"]) == (0.3, 0.32)


def test_a_change_that_changes_nothing_writes_nothing(targets_file, catalogue):
    inode = targets_file.stat().st_ino
    (entry,) = [e for e in store.read_entries(targets_file) if e["id"] == "cia-gam-t1-2026"]
    change = store.change_target(targets_file, "cia-gam-t1-2026", entry, catalogue)
    assert change.changed_fields == [] and targets_file.stat().st_ino == inode


def test_close_sets_clos_le_and_never_deletes(targets_file, catalogue):
    count = len(store.read_entries(targets_file))
    change = store.close_target(
        targets_file, "psa-vacance-grenoble-2026", dt.date(2026, 6, 30), catalogue
    )
    entries = store.read_entries(targets_file)
    assert len(entries) == count
    closed = {t.id: t for t in load_targets(targets_file, catalogue)}["psa-vacance-grenoble-2026"]
    assert closed.clos_le == dt.date(2026, 6, 30)
    assert targets_file.read_text().endswith("    clos_le: 2026-06-30\n")
    assert change.audit_details()["champs"] == ["clos_le"]
    assert change.after["clos_le"] == "2026-06-30" and "clos_le" not in change.before


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"source": ""}, ["Document source : obligatoire"]),
        ({"cible": -0.1}, ["Cible : doit être supérieur ou égal à 0"]),
        ({"sens": ">"}, ["Sens : valeur non admise (valeurs possibles : '>=' ou '<=')"]),
        ({"territoire": None}, ["Territoire : obligatoire"]),
        (
            {"filtres": {"reservataire": []}},
            ["Filtres : choisissez au moins une valeur pour « reservataire »"],
        ),
    ],
)
def test_a_field_error_names_the_field_and_writes_nothing(
    targets_file, catalogue, changes, problems
):
    before = targets_file.read_bytes()
    with pytest.raises(store.TargetEditError) as caught:
        store.add_target(targets_file, {**NEW, **changes}, catalogue)
    assert caught.value.problems == problems
    assert targets_file.read_bytes() == before and leftovers(targets_file.parent) == []


def test_the_whole_list_is_checked_with_the_lines_of_the_new_file(targets_file, catalogue):
    before = targets_file.read_bytes()
    last_line = len(before.decode().splitlines())  # the new block starts on the next line
    bad = {**NEW, "filtres": {"reservatair": ["etat"]}, "cible": 30}
    with pytest.raises(store.TargetEditError) as caught:
        store.add_target(targets_file, bad, catalogue)
    at = f"objectifs.yaml:{last_line + 1}: objectif {NEW['id']}: "
    assert caught.value.problems == [
        at + "filtre « reservatair » non disponible pour part_attributions_q1_hors_qpv (vouliez-"
        "vous dire « reservataire » ?) ; dimensions possibles : "
        + ", ".join(catalogue.supported_dimensions(T1)),
        at + "cible 30.0 supérieure à 1 pour un taux (écrire 0.30 pour 30 %)",
    ]
    assert targets_file.read_bytes() == before and leftovers(targets_file.parent) == []


def test_a_target_that_is_always_met_is_refused_with_its_line(targets_file, catalogue):
    """Issue 21, item 11: « Nombre d'attributions ≥ 0 » was saved; it can never be missed."""
    before = targets_file.read_bytes()
    last_line = len(before.decode().splitlines())
    zero = {**NEW, "indicateur": "nb_attributions", "cible": 0, "tolerance": 0}
    with pytest.raises(store.TargetEditError) as caught:
        store.add_target(targets_file, zero, catalogue)
    assert caught.value.problems == [
        f"objectifs.yaml:{last_line + 1}: objectif {NEW['id']}: cible « au moins 0 » : "
        "toujours atteinte, elle ne mesure rien"
    ]
    with pytest.raises(store.TargetEditError, match="au plus 100 %"):
        store.add_target(targets_file, {**NEW, "sens": "<=", "cible": 1.0}, catalogue)
    assert targets_file.read_bytes() == before
    store.add_target(targets_file, {**NEW, "cible": 0.01}, catalogue)  # a real target passes


def test_a_duplicate_id_or_an_unknown_id_is_refused(targets_file, catalogue):
    with pytest.raises(store.TargetEditError, match="déjà utilisé"):
        store.add_target(targets_file, {**NEW, "id": "cia-gam-t1-2025"}, catalogue)
    with pytest.raises(store.TargetEditError, match="aucun objectif « inconnu »"):
        store.close_target(targets_file, "inconnu", dt.date(2026, 1, 1), catalogue)


def test_a_hand_broken_file_is_reported_with_its_line_and_kept(targets_file, catalogue):
    text = targets_file.read_text().replace("indicateur: taux_vacance", "indicateur: taux_vacanse")
    targets_file.write_text(text)
    line = text.splitlines().index("    indicateur: taux_vacanse")  # the block starts a line above
    with pytest.raises(store.TargetEditError) as caught:
        store.add_target(targets_file, NEW, catalogue)
    (problem,) = caught.value.problems
    assert problem.startswith(f"objectifs.yaml:{line}: objectif psa-vacance-grenoble-2026: ")
    assert "« taux_vacance »" in problem  # the closest valid name
    assert targets_file.read_text() == text


def test_the_write_is_one_rename_and_a_failed_one_leaves_the_file(
    targets_file, catalogue, monkeypatch
):
    inode = targets_file.stat().st_ino
    store.add_target(targets_file, NEW, catalogue)
    assert targets_file.stat().st_ino != inode  # replaced in one rename, never rewritten in place
    before = targets_file.read_bytes()

    def interrupted(src, dst):
        raise OSError("disque plein")

    monkeypatch.setattr(store.os, "replace", interrupted)
    with pytest.raises(OSError):
        store.add_target(targets_file, {**NEW, "id": "autre"}, catalogue)
    assert targets_file.read_bytes() == before and leftovers(targets_file.parent) == []


def test_a_new_file_gets_the_fixed_header(tmp_path, catalogue):
    path = tmp_path / "objectifs.yaml"
    store.add_target(path, NEW, catalogue)
    assert path.read_text().startswith(store.HEADER + "objectifs:\n  - id: ")


# --- the page ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A tiny root of its own (the editor writes objectifs.yaml), in demo mode."""
    root = write_tiny_root(tmp_path / "root")
    portal(monkeypatch, tmp_path, root)
    return root


def events(tmp_path: Path, event: str) -> list[dict]:
    return [e for e in audit.read_events(tmp_path / "audit" / "audit.jsonl") if e["event"] == event]


def logged_in(role: str, script: str = HOME) -> AppTest:
    return support.logged_in(ACCOUNTS[role], script)


def open_page(role: str, page: str) -> AppTest:
    at = logged_in(role).run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def fill_new_target(at: AppTest, target_id: str, *, source: str) -> AppTest:
    at.text_input(key="obj_add_id").input(target_id)
    at.selectbox(key="obj_add_indicateur").set_value(T1).run()
    at.selectbox(key="obj_add_echelle").set_value("epci").run()
    at.selectbox(key="obj_add_code").set_value(E2)
    at.number_input(key="obj_add_annee").set_value(2025)
    at.selectbox(key="obj_add_sens").set_value(">=")
    at.number_input(key="obj_add_cible_pct").set_value(30.0)
    at.number_input(key="obj_add_tol_pct").set_value(3.0)
    at.text_input(key="obj_add_source").input(source)
    return at


def test_a_target_added_in_the_editor_shows_on_the_alerts_page(root, tmp_path):
    at = open_page("admin", "objectifs_edition")
    assert [t.value for t in at.title] == ["Objectifs locaux"]
    fill_new_target(at, "cia-voironnais-t1-2025", source="CIA du Pays Voironnais (test)")
    at.button(key="obj_add_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == ["Objectif « cia-voironnais-t1-2025 » ajouté."]
    (table,) = [d.value for d in at.dataframe]
    assert list(table["Identifiant"]) == ["cia-voironnais-t1-2025"]
    assert list(table["Cible"]) == ["30,0\u202f%"]

    (written,) = load_targets(root / "objectifs.yaml", load_catalogue())
    assert (written.cible, written.tolerance, written.territoire.code) == (0.3, 0.03, E2)
    (event,) = events(tmp_path, "admin_action")
    assert event["user"] == "admin.demo"
    assert event["details"]["action"] == "objectif_ajout"
    assert event["details"]["apres"]["cible"] == 0.3 and event["details"]["avant"] is None

    engine = open_engine(root)
    try:
        found = evaluate_targets(engine, Scope.internal("admin"))
    finally:
        engine.close()
    ours = found[found["objectif_id"] == "cia-voironnais-t1-2025"]
    assert set(ours["nature"]) == {"local"} and set(ours["cible"]) == {0.3}
    assert f"T1-{E2}" not in set(found["objectif_id"])  # the local target replaces the legal T1

    alerts = open_page("admin", "objectifs")
    assert not alerts.error, [e.value for e in alerts.error]
    (overview,) = [d.value for d in alerts.dataframe if "Période" in d.value.columns]
    # the table names targets (« T1 (objectif local) »), their ids stay in the exports
    assert len(overview) == len(found)
    local_t1 = overview[overview["Objectif"] == "T1 (objectif local)"]
    assert set(local_t1["Territoire"]) == set(ours["territoire"]) and len(local_t1) == len(ours)


def test_an_invalid_target_is_explained_and_nothing_is_written(root, tmp_path):
    at = open_page("admin", "objectifs_edition")
    fill_new_target(at, "sans-source", source="")
    at.button(key="obj_add_save").click().run()
    assert [e.value for e in at.error] == [
        "L'objectif n'a pas été enregistré (le fichier est inchangé) :\n\n"
        "- Document source : obligatoire"
    ]
    assert not (root / "objectifs.yaml").exists()
    assert not events(tmp_path, "admin_action")


def test_change_and_close_in_the_editor_are_audited_before_and_after(root, tmp_path):
    store.add_target(
        root / "objectifs.yaml",
        {**NEW, "territoire": {"echelle": "epci", "code": E1}},
        load_catalogue(),
    )
    at = open_page("admin", "objectifs_edition")
    assert at.number_input(key="obj_chg_cible_pct").value == 30.0  # the form is filled in
    at.number_input(key="obj_chg_cible_pct").set_value(35.0)
    at.button(key="obj_chg_save").click().run()
    assert not at.error, [e.value for e in at.error]
    at.date_input(key="obj_clo_date").set_value(dt.date(2025, 12, 1))
    at.button(key="obj_clo_save").click().run()
    assert [s.value for s in at.success] == [f"Objectif « {NEW['id']} » clos."]
    (target,) = load_targets(root / "objectifs.yaml", load_catalogue())
    assert (target.cible, target.clos_le) == (0.35, dt.date(2025, 12, 1))
    changed, closed = (e["details"] for e in events(tmp_path, "admin_action"))
    assert (changed["action"], changed["champs"]) == ("objectif_modification", ["cible"])
    assert (changed["avant"]["cible"], changed["apres"]["cible"]) == (0.3, 0.35)
    assert (closed["action"], closed["champs"]) == ("objectif_cloture", ["clos_le"])
    assert closed["apres"]["clos_le"] == "2025-12-01"


def test_manager_reads_the_targets_without_any_form(root, tmp_path):
    store.add_target(root / "objectifs.yaml", NEW, load_catalogue())
    at = open_page("manager", "objectifs_edition")
    assert not at.error
    (table,) = [d.value for d in at.dataframe]
    assert list(table["Identifiant"]) == [NEW["id"]]
    assert "Lecture seule" in " ".join(i.value for i in at.info)
    assert [b.key for b in at.button if str(b.key).startswith("obj_")] == []
    assert not [w for w in at.text_input if str(w.key).startswith("obj_")]
    assert not events(tmp_path, "admin_action")


@pytest.mark.parametrize("role", ["charge_clientele", "partenaire"])
def test_other_roles_are_refused(root, tmp_path, role):
    at = logged_in(role).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/objectifs_edition.py")
    at = logged_in(role, str(page_path("objectifs_edition"))).run()
    assert [e.value for e in at.error][0].startswith("Accès refusé")
    assert not at.dataframe and not at.button
    (refused,) = events(tmp_path, "access_refused")
    assert refused["details"] == {"page": "objectifs_edition"}


def test_number_inputs_show_the_least_decimals_and_name_their_unit(root, tmp_path):
    """Issue 21: « 30.0 » and « 0.00 » in the inputs; « Cible » beside « Cible (%) »."""
    at = open_page("admin", "objectifs_edition")
    at.selectbox(key="obj_add_indicateur").set_value(T1).run()
    by_key = {n.key: n for n in at.number_input}
    assert (by_key["obj_add_cible_pct"].label, by_key["obj_add_cible_pct"].proto.format) == (
        "Cible (%)",
        "%g",
    )
    assert by_key["obj_add_tol_pct"].proto.format == "%g"
    at.selectbox(key="obj_add_indicateur").set_value("nb_attributions").run()
    by_key = {n.key: n for n in at.number_input}
    assert by_key["obj_add_cible"].label == "Cible (nombre d'attributions)"
    assert by_key["obj_add_tol"].label == "Tolérance (nombre d'attributions)"
    assert (by_key["obj_add_cible"].proto.format, by_key["obj_add_cible"].proto.step) == ("%g", 1)
