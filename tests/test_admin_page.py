"""The Administration page driven with AppTest on a tiny root of its own: upload → report →
publish, a broken upload (report, nothing published), replacing an existing date, a server folder,
retiring a snapshot, the reference tables; every publication in the audit trail; refused to every
role but admin."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.importer import export_rpls
from queries.engine import list_snapshots
from tests import apptest_support as support
from tests.apptest_support import ACCOUNTS, HOME, portal, steady_navigation
from tests.import_fixtures import set_cell, tree_hashes
from tests.tiny_data import S1, S3, write_tiny_root
from ui.screens.administration.admin_import import last_quarter_end
from ui.shell import audit
from ui.shell.navigation import page_path

NEW_DATE = dt.date(2026, 3, 31)
TABLES = ("residences", "batiments", "logements", "menages", "departs", "attributions", "demandes")
TINY_ROWS = {
    "residences": 3,
    "batiments": 4,
    "logements": 12,
    "menages": 8,
    "departs": 4,
    "attributions": 8,
    "demandes": 4,
}


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A tiny root of its own (the page publishes into it), in demo mode."""
    root = write_tiny_root(tmp_path / "root")
    portal(monkeypatch, tmp_path, root)
    return root


def events(tmp_path: Path, event: str) -> list[dict]:
    return [e for e in audit.read_events(tmp_path / "audit" / "audit.jsonl") if e["event"] == event]


def logged_in(role: str, script: str = HOME) -> AppTest:
    return support.logged_in(ACCOUNTS[role], script)


def admin_page() -> AppTest:
    at = logged_in("admin").run()
    at.switch_page("pages/administration.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Administration"]
    return at


def snapshot_files(root: Path, date: dt.date = S3) -> list[tuple[str, bytes, str]]:
    folder = root / "snapshots" / f"date={date.isoformat()}"
    return [
        (f"{t}.parquet", (folder / f"{t}.parquet").read_bytes(), "application/octet-stream")
        for t in TABLES
    ]


def check(at: AppTest, files, date: dt.date) -> AppTest:
    at.file_uploader(key="adm_snap_fichiers").set_value(files)
    at.date_input(key="adm_snap_date").set_value(date)
    return at.button(key="adm_snap_verifier").click().run()


def snapshots_table(at: AppTest):
    (table,) = [d.value for d in at.dataframe if "Photographie" in d.value.columns]
    return table


def test_admin_uploads_checks_and_publishes_a_snapshot(root, tmp_path):
    at = check(admin_page(), snapshot_files(root), NEW_DATE)
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [
        "Photographie du 31/03/2026 prête à publier : 7 fichier(s), 43 ligne(s)."
    ]
    (sources,) = [d.value for d in at.dataframe if "Table" in d.value.columns]
    assert dict(zip(sources["Table"], sources["Lignes"], strict=True)) == TINY_ROWS
    assert not (root / "snapshots" / "date=2026-03-31").exists()  # checked, not published

    at.button(key="adm_snap_publier").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["Photographie du 31/03/2026 publiée : 43 ligne(s)."]
    table = snapshots_table(at)
    newest = table.iloc[0]
    assert newest["Photographie"] == "31/03/2026" and newest["Par"] == "admin.demo"
    # headers are the tables' names as readers write them (« Ménages », not « Menages »)
    from ui.screens.administration.snapshots_view import TABLE_LABELS

    assert TABLE_LABELS["menages"] == "Ménages" and TABLE_LABELS["batiments"] == "Bâtiments"
    assert {t: newest[TABLE_LABELS[t]] for t in TABLES} == dict(TINY_ROWS)
    assert list(table["Photographie"]) == ["31/03/2026", "31/12/2025", "30/09/2025", "31/12/2024"]
    assert NEW_DATE in list_snapshots(root)
    record = json.loads((root / "snapshots" / "date=2026-03-31" / "_import.json").read_text())
    assert record["user"] == "admin.demo"

    (event,) = events(tmp_path, "admin_action")
    assert (event["user"], event["role"]) == ("admin.demo", "admin")
    assert event["details"] == {
        "action": "import_photographie",
        "photographie": "2026-03-31",
        "dossier": "snapshots/date=2026-03-31",
        "lignes": TINY_ROWS,
        "fichiers": [f"{t}.parquet" for t in TABLES],
        "version_archivee": None,
    }
    assert not [p for p in root.iterdir() if p.name.startswith(".staging")]


def test_a_broken_upload_shows_the_report_and_publishes_nothing(root, tmp_path):
    before = tree_hashes(root)
    files = [f for f in snapshot_files(root) if f[0] != "demandes.parquet"]
    files = [(n, b[:200] if n == "logements.parquet" else b, m) for n, b, m in files]
    at = check(admin_page(), files, NEW_DATE)
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Import refusé (photographie du 31/03/2026) : 2 problème(s) dans 2 fichier(s). "
        f"Rien n'a été écrit dans {root}."
    ]
    (report,) = [d.value for d in at.dataframe if "Règle" in d.value.columns]
    assert list(report.columns) == [
        "Fichier",
        "Ligne",
        "Colonne",
        "Valeur",
        "Règle",
        "Message",
        "Nb lignes",
    ]
    assert sorted(zip(report["Fichier"], report["Règle"], strict=True)) == [
        ("demandes", "fichier absent"),
        ("logements.parquet", "fichier illisible"),
    ]
    (download,) = at.get("download_button")
    assert download.proto.label == "Télécharger le rapport (CSV)"
    assert "adm_snap_publier" not in [b.key for b in at.button]
    assert tree_hashes(root) == before  # nothing written, no staging left
    assert not events(tmp_path, "admin_action")


def test_an_existing_date_is_replaced_only_when_ticked_and_the_old_one_archived(root, tmp_path):
    at = check(admin_page(), snapshot_files(root, S1), S3)
    assert "déjà publiée" in at.warning[0].value
    assert at.button(key="adm_snap_publier").disabled
    at.checkbox(key="adm_snap_remplacer").check().run()
    assert not at.button(key="adm_snap_publier").disabled
    at.button(key="adm_snap_publier").click().run()
    assert not at.error, [e.value for e in at.error]
    (archived,) = (root / "archive").iterdir()
    assert archived.name.startswith("date=2025-12-31-replaced-")
    (event,) = events(tmp_path, "admin_action")
    assert event["details"]["version_archivee"] == f"archive/{archived.name}"
    assert snapshots_table(at).iloc[0]["Remplace"] == "oui"


def test_a_server_folder_of_rpls_csv_is_checked_and_published(root, tmp_path, monkeypatch):
    monkeypatch.setenv("PEUPLEMENT_IMPORT_DIR", str(tmp_path))
    at = admin_page()
    at.radio(key="adm_snap_origine").set_value("folder").run()
    at.text_input(key="adm_snap_dossier").input(str(tmp_path / "absent"))
    at.date_input(key="adm_snap_date").set_value(NEW_DATE)
    at.button(key="adm_snap_verifier").click().run()
    assert [e.value for e in at.error] == [
        f"Le dossier « {tmp_path / 'absent'} » n'existe pas sur le serveur (ou n'est pas un dossier)."
    ]
    source = export_rpls(root, S3, tmp_path / "export")[0].parent
    at.text_input(key="adm_snap_dossier").input(str(source))
    at.button(key="adm_snap_verifier").click().run()
    assert not at.error, [e.value for e in at.error]
    at.button(key="adm_snap_publier").click().run()
    assert NEW_DATE in list_snapshots(root)
    (event,) = events(tmp_path, "admin_action")
    assert event["details"]["fichiers"] == [f"{t}.csv" for t in TABLES]


def check_folder(at: AppTest, folder: str) -> AppTest:
    at.radio(key="adm_snap_origine").set_value("folder").run()
    at.text_input(key="adm_snap_dossier").input(folder)
    at.date_input(key="adm_snap_date").set_value(NEW_DATE)
    return at.button(key="adm_snap_verifier").click().run()


def everything_shown(at: AppTest) -> str:
    """Every text and table cell of the page, to look for what must not be there."""
    texts = [e.value for kind in ("error", "warning", "success", "info") for e in getattr(at, kind)]
    texts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(map(str, texts))


def test_without_an_import_root_no_server_folder_is_read(root, monkeypatch):
    monkeypatch.delenv("PEUPLEMENT_IMPORT_DIR", raising=False)
    at = admin_page()
    at.radio(key="adm_snap_origine").set_value("folder").run()
    assert "Import depuis un dossier du serveur désactivé : définissez PEUPLEMENT_IMPORT_DIR." in [
        i.value for i in at.info
    ]
    assert not [t for t in at.text_input if t.key == "adm_snap_dossier"]


@pytest.mark.parametrize("folder", ["/etc", "../..", "{root}/../elsewhere"])
def test_a_folder_outside_the_import_root_is_refused(root, tmp_path, monkeypatch, folder):
    imports = tmp_path / "imports"
    imports.mkdir()
    monkeypatch.setenv("PEUPLEMENT_IMPORT_DIR", str(imports))
    at = check_folder(admin_page(), folder.format(root=imports))
    assert [e.value for e in at.error] == [
        f"Le dossier « {folder.format(root=imports)} » n'est pas dans le dossier d'import du "
        f"serveur ({imports}, variable PEUPLEMENT_IMPORT_DIR) : déposez-y les fichiers, ou "
        "téléversez-les."
    ]
    assert "adm_snap_rapport" not in at.session_state


def test_symbolic_links_are_not_followed_and_no_server_file_is_echoed(root, tmp_path, monkeypatch):
    imports, secret = tmp_path / "imports", tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    source = export_rpls(root, S3, imports / "2026-03-31")[0].parent
    monkeypatch.setenv("PEUPLEMENT_IMPORT_DIR", str(imports))
    (imports / "lien").symlink_to(tmp_path, target_is_directory=True)
    at = check_folder(admin_page(), "lien")
    assert [e.value for e in at.error] == [
        f"« {imports / 'lien'} » est un lien symbolique : le portail ne suit pas les liens. "
        f"Indiquez le dossier lui-même, dans {imports}."
    ]
    (source / "residences.csv").unlink()
    (source / "residences.csv").symlink_to(secret)  # a "table" that is a server file
    (source / "batiments.csv").write_text(secret.read_text(encoding="utf-8"), encoding="utf-8")
    at = check_folder(at, source.relative_to(imports).as_posix())
    shown = everything_shown(at)
    assert "root:x" not in shown and "/bin/bash" not in shown
    report = at.session_state["adm_snap_rapport"]
    assert not report.ok and "root:x" not in report.csv()
    assert "residences" not in [s.table for s in report.sources]  # the link was not read


def test_an_uploaded_mapping_completes_the_shipped_one(root, tmp_path):
    source = export_rpls(root, S3, tmp_path / "export")[0].parent
    set_cell(source / "logements.csv", 4, "FINAN", "99")  # a code of the bailleur's own
    files = [(p.name, p.read_bytes(), "text/csv") for p in sorted(source.iterdir())]
    at = check(admin_page(), files, NEW_DATE)
    (report,) = [d.value for d in at.dataframe if "Règle" in d.value.columns]
    assert report[["Fichier", "Ligne", "Colonne", "Valeur"]].values.tolist() == [
        ["logements.csv", "4", "FINAN", "99"]
    ]
    mapping = (
        "tables:\n  logements:\n    columns:\n      financement:\n        codes:\n"
        "          PLUS: ['99']\n"
    )
    at.file_uploader(key="adm_snap_correspondance").set_value(
        ("maison.yaml", mapping.encode(), "application/yaml")
    )
    at.button(key="adm_snap_verifier").click().run()
    assert not at.error, [e.value for e in at.error]
    at.button(key="adm_snap_publier").click().run()
    record = json.loads((root / "snapshots" / "date=2026-03-31" / "_import.json").read_text())
    assert record["mapping_files"][-1] == "maison.yaml"


def test_a_broken_mapping_is_reported_and_nothing_is_checked(root):
    before = tree_hashes(root)
    at = admin_page()
    at.file_uploader(key="adm_snap_correspondance").set_value(
        ("maison.yaml", b"tables:\n  menage: {}\n", "application/yaml")
    )
    at = check(at, snapshot_files(root), NEW_DATE)
    assert "maison.yaml:2: table inconnu(e) « menage »" in at.error[0].value
    assert "adm_snap_publier" not in [b.key for b in at.button]
    assert tree_hashes(root) == before


def test_retiring_a_snapshot_keeps_it_in_the_archive_and_is_audited(root, tmp_path):
    at = admin_page()
    at.selectbox(key="adm_retrait_date").set_value("2024-12-31").run()
    assert at.button(key="adm_retrait").disabled  # not before the confirmation
    at.checkbox(key="adm_retrait_ok").check().run()
    at.button(key="adm_retrait").click().run()
    assert not at.error, [e.value for e in at.error]
    assert list(snapshots_table(at)["Photographie"]) == ["31/12/2025", "30/09/2025"]
    (archived,) = (root / "archive").iterdir()
    assert (archived / "logements.parquet").is_file()  # kept, not deleted
    (event,) = events(tmp_path, "admin_action")
    assert event["details"] == {
        "action": "retrait_photographie",
        "photographie": "2024-12-31",
        "archive": f"archive/{archived.name}",
    }


def test_reference_tables_are_checked_then_published_and_the_old_ones_archived(root, tmp_path):
    at = admin_page()
    folder = root / "reference"
    files = [(p.name, p.read_bytes(), "application/octet-stream") for p in sorted(folder.iterdir())]
    at.file_uploader(key="adm_ref_fichiers").set_value(files)
    at.button(key="adm_ref_verifier").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value.startswith("Référentiels prêts à publier : 4 fichier(s)")
    at.button(key="adm_ref_publier").click().run()
    assert at.success[0].value.startswith("Référentiels publiés : ")
    (event,) = events(tmp_path, "admin_action")
    assert event["details"]["action"] == "import_referentiels"
    assert event["details"]["version_archivee"].startswith("archive/reference-replaced-")


def test_the_default_date_is_the_end_of_the_last_quarter():
    assert last_quarter_end(dt.date(2026, 5, 12)) == dt.date(2026, 3, 31)
    assert last_quarter_end(dt.date(2026, 2, 1)) == dt.date(2025, 12, 31)
    assert last_quarter_end(dt.date(2026, 9, 30)) == dt.date(2026, 6, 30)


@pytest.mark.parametrize("role", ["manager", "charge_clientele", "partenaire"])
def test_every_other_role_is_refused(root, tmp_path, role):
    before = tree_hashes(root)
    at = logged_in(role).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/administration.py")
    at = logged_in(role, str(page_path("administration"))).run()
    assert not at.exception
    assert at.error[0].value.startswith("Accès refusé : page non autorisée pour votre rôle")
    assert not at.title and not at.file_uploader and not at.dataframe and not at.button
    (refused,) = events(tmp_path, "access_refused")
    assert (refused["role"], refused["details"]) == (role, {"page": "administration"})
    assert tree_hashes(root) == before
