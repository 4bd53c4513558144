"""The import pipeline: broken inputs give the exact report and leave the data root untouched;
good inputs in every accepted shape are published atomically; a round trip keeps every value."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest

from cli.main import main
from dataroot.contract import SNAPSHOT_TABLES
from dataroot.layout import table_path
from ingest.importer import (
    PublishError,
    discard,
    import_snapshot,
    prepare_snapshot,
    publish,
    published_snapshots,
    retire_snapshot,
)
from ingest.importer import publishing as publishing_module
from ingest.importer.mapping import load_mapping
from ingest.importer.staging import PREFIX
from semantic.errors import DefinitionError
from tests.import_fixtures import (
    LATIN,
    NEW_DATE,
    drop_column,
    read_rows,
    set_cell,
    tiny_root,
    tiny_source,
    tree_hashes,
    write_rows,
)
from tests.tiny_data import E1, E2


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The tiny root and its RPLS-style export, written once for the module; each test works on
    its own copy (imports publish into the root, tests break cells of the source)."""
    folder = tmp_path_factory.mktemp("import_template")
    root = tiny_root(folder)
    return root, tiny_source(folder, root)


@pytest.fixture
def root(tmp_path, template):
    return Path(shutil.copytree(template[0], tmp_path / template[0].name))


@pytest.fixture
def source(tmp_path, root, template):
    return Path(shutil.copytree(template[1], tmp_path / template[1].name))


def _cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _refused(capsys, root, source, *extra):
    """Import `source` as NEW_DATE: exit code 1, the data root byte for byte as before, no staging
    left; returns the issues as (file, line, column, value, rule) and the report."""
    before = tree_hashes(root)
    code, out, err = _cli(
        capsys, "import", source, "--snapshot", NEW_DATE, "--data-dir", root, *extra
    )
    assert code == 1, out + err
    assert tree_hashes(root) == before
    assert not [p for p in root.iterdir() if p.name.startswith(PREFIX)]
    report = prepare_snapshot(source, root, NEW_DATE)
    assert tree_hashes(root) == before
    return [(i.file, i.line, i.column, i.value, i.rule) for i in report.issues], report, out


def _published(root, table, date=NEW_DATE):
    return pq.read_table(table_path(root, table, date))


def _table(name):
    return next(t for t in SNAPSHOT_TABLES if t.name == name)


# ------------------------------------------------------------------------------ broken inputs


def test_unknown_separator_is_reported_on_the_header(capsys, root, source):
    rows = read_rows(source / "logements.csv")
    write_rows(source / "logements.csv", rows, sep=":")
    issues, report, _ = _refused(capsys, root, source)
    header = ":".join(rows[0])[:80]
    assert issues == [("logements.csv", "1", "", header, "séparateur non reconnu")]


def test_comma_separator_with_unquoted_decimal_commas_names_each_line(capsys, root, source):
    rows = read_rows(source / "logements.csv")
    text = "\r\n".join(",".join(r) for r in rows) + "\r\n"  # 45,0 now splits a field in two
    (source / "logements.csv").write_bytes(text.encode(LATIN))
    issues, report, _ = _refused(capsys, root, source)
    assert issues == [
        ("logements.csv", str(n), "", "virgule", "nombre de champs") for n in range(2, 14)
    ]
    assert "virgule décimale doit être entre guillemets" in report.issues[0].message


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-8", "utf-8-sig"])
def test_accents_survive_every_encoding(root, source, encoding):
    rows = read_rows(source / "residences.csv")
    rows[1][rows[0].index("NOM_RESIDENCE")] = "Résidence Les Érables « Çà et là »"
    write_rows(source / "residences.csv", rows, encoding=encoding)
    report, record = import_snapshot(source, root, NEW_DATE)
    assert report.ok, report.text()
    names = _published(root, _table("residences")).column("nom_residence").to_pylist()
    assert names[0] == rows[1][rows[0].index("NOM_RESIDENCE")]
    assert names[0].startswith("Résidence Les Érables")


def test_mixed_encoding_is_refused_rather_than_garbled(capsys, root, source):
    path = source / "residences.csv"
    path.write_bytes(
        path.read_bytes().replace(b"Les Tilleuls", "Les Érables".encode()) + "é\r\n".encode(LATIN)
    )
    issues, _, _ = _refused(capsys, root, source)
    assert issues == [("residences.csv", "2", "", "Ã‰", "encodage mixte")]


def test_decimal_commas_and_thousands_are_read_as_numbers(root, source):
    set_cell(source / "logements.csv", 2, "LOYERPRINC", "1\u00a0234,56")
    set_cell(source / "logements.csv", 3, "LOYERPRINC", "410,5")
    set_cell(source / "logements.csv", 4, "SURFHAB", "75")
    report, _ = import_snapshot(source, root, NEW_DATE)
    assert report.ok, report.text()
    logements = _published(root, _table("logements"))
    assert logements.column("loyer_mensuel").to_pylist()[:3] == [1234.56, 410.5, 480.0]
    assert logements.column("surface_habitable").to_pylist()[2] == 75.0


def test_missing_column_names_the_accepted_names(capsys, root, source):
    drop_column(source / "logements.csv", "SURFHAB")
    issues, report, out = _refused(capsys, root, source)
    assert issues == [("logements.csv", "1", "surface_habitable", "", "colonne absente")]
    assert (
        "noms acceptés : surface_habitable, SURFHAB, SURFACE_HABITABLE" in report.issues[0].message
    )


def test_unknown_finan_code_is_named_with_the_known_codes(capsys, root, source):
    set_cell(source / "logements.csv", 4, "FINAN", "99")
    issues, report, out = _refused(capsys, root, source)
    assert issues == [("logements.csv", "4", "FINAN", "99", "code inconnu")]
    assert report.issues[0].message.startswith(
        "code inconnu 99 (codes connus : 10, 11, 12, 13, 14, 15, 16, 17, 49, 50, 51, 52, 53, 54, 55,"
    )
    assert "ligne 4 : « 99 » — code inconnu 99" in out


def test_impossible_date_and_bad_number(capsys, root, source):
    set_cell(source / "menages.csv", 3, "BAIL", "31/02/2025")
    set_cell(source / "menages.csv", 4, "BAIL", "2025/12/31")
    set_cell(source / "logements.csv", 5, "SURFHAB", "12,5a")
    set_cell(source / "logements.csv", 6, "NBPIECE", "3,5")
    issues, report, _ = _refused(capsys, root, source)
    assert issues == [
        ("logements.csv", "6", "NBPIECE", "3,5", "entier invalide"),
        ("logements.csv", "5", "SURFHAB", "12,5a", "nombre invalide"),
        ("menages.csv", "4", "BAIL", "2025/12/31", "date invalide"),
        ("menages.csv", "3", "BAIL", "31/02/2025", "date invalide"),
    ]
    messages = [i.message for i in report.issues]
    assert messages[2] == "date invalide : format attendu JJ/MM/AAAA ou AAAA-MM-JJ"
    assert messages[3] == "date invalide : ce jour n'existe pas"


def test_duplicate_ids_point_at_both_lines(capsys, root, source):
    rows = read_rows(source / "logements.csv")
    write_rows(source / "logements.csv", [*rows, rows[1]])  # L01 again on line 14
    issues, report, _ = _refused(capsys, root, source)
    assert issues == [("logements.csv", "2, 14", "IDENT_INT (id_logement)", "L01", "doublon")]
    assert report.issues[0].count == 2


def test_household_in_an_unknown_dwelling(capsys, root, source):
    set_cell(source / "menages.csv", 2, "IDENT_INT", "L99")
    issues, report, _ = _refused(capsys, root, source)
    assert issues == [("menages.csv", "2", "IDENT_INT (id_logement)", "L99", "référence inconnue")]
    assert "de logements.csv de la même photographie" in report.issues[0].message


def test_empty_file(capsys, root, source):
    (source / "demandes.csv").write_bytes(b"")
    issues, _, _ = _refused(capsys, root, source)
    assert issues == [("demandes.csv", "", "", "", "fichier vide")]


def test_truncated_parquet(capsys, root, source):
    data = table_path(root, _table("logements"), "2025-12-31").read_bytes()
    (source / "logements.csv").unlink()
    (source / "logements.parquet").write_bytes(data[: len(data) // 2])
    issues, report, _ = _refused(capsys, root, source)
    assert issues == [("logements.parquet", "", "", "", "fichier illisible")]
    assert "tronqué ou corrompu" in report.issues[0].message


def test_missing_file_and_every_problem_at_once(capsys, root, source):
    (source / "departs.csv").unlink()
    set_cell(source / "logements.csv", 4, "FINAN", "99")
    set_cell(source / "menages.csv", 2, "IDENT_INT", "L99")
    set_cell(source / "attributions.csv", 3, "DALO", "peut-être")
    issues, _, out = _refused(capsys, root, source)
    assert issues == [
        ("departs", "", "", "", "fichier absent"),
        ("logements.csv", "4", "FINAN", "99", "code inconnu"),
        ("attributions.csv", "3", "DALO", "peut-être", "booléen invalide"),
        ("menages.csv", "2", "IDENT_INT (id_logement)", "L99", "référence inconnue"),
    ]
    assert out.startswith(
        "Import refusé (photographie du 31/03/2026) : 4 problème(s) dans 4 fichier(s)."
    )


def test_report_csv_lists_every_problem(capsys, tmp_path, root, source):
    set_cell(source / "logements.csv", 4, "FINAN", "99")
    set_cell(source / "menages.csv", 3, "BAIL", "31/02/2025")
    code, _, _ = _cli(capsys, "import", source, "--snapshot", NEW_DATE, "--data-dir", root)
    assert code == 1
    default = source / "rapport_import.csv"
    rows = list(csv.reader(io.StringIO(default.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0] == ["fichier", "ligne", "colonne", "valeur", "regle", "message", "nb_lignes"]
    assert [r[:5] for r in rows[1:]] == [
        ["logements.csv", "4", "FINAN", "99", "code inconnu"],
        ["menages.csv", "3", "BAIL", "31/02/2025", "date invalide"],
    ]
    # the report left in the source folder is not taken for a table next time
    elsewhere = tmp_path / "rapports" / "r.csv"
    assert (
        _cli(
            capsys,
            "import",
            source,
            "--snapshot",
            NEW_DATE,
            "--data-dir",
            root,
            "--report",
            elsewhere,
        )[0]
        == 1
    )
    assert elsewhere.read_text(encoding="utf-8-sig") == default.read_text(encoding="utf-8-sig")


def test_xlsx_with_the_data_on_the_second_sheet(root, source):
    rows = read_rows(source / "menages.csv")
    (source / "menages.csv").unlink()
    book = openpyxl.Workbook()
    book.active.title = "Lisez-moi"
    book.active.append(["Extraction OPS du 31/03/2026"])
    sheet = book.create_sheet("Données")
    sheet.append(["Ménages en place"])
    sheet.append([])
    sheet.append(rows[0])
    for row in rows[1:]:
        sheet.append(row)
    book.save(source / "menages.xlsx")
    report, _ = import_snapshot(source, root, NEW_DATE)
    assert report.ok, report.text()
    assert "feuille « Données », en-tête ligne 3" in report.text()
    original = pq.read_table(table_path(root, _table("menages"), "2025-12-31"))
    assert _published(root, _table("menages")).equals(original)


def test_xlsx_problems_name_the_sheet_row(capsys, root, source):
    rows = read_rows(source / "menages.csv")
    (source / "menages.csv").unlink()
    book = openpyxl.Workbook()
    book.active.append(["notes"])
    sheet = book.create_sheet("Données")
    sheet.append(["Titre"])
    for row in rows:
        sheet.append(row)
    sheet.cell(row=5, column=rows[0].index("BAIL") + 1, value="31/02/2025")
    book.save(source / "menages.xlsx")
    issues, _, _ = _refused(capsys, root, source)
    assert issues == [("menages.xlsx", "5", "BAIL", "31/02/2025", "date invalide")]


def test_parquet_in_contract_shape_imports_as_is(root, source):
    for table in ("residences", "batiments"):
        (source / f"{table}.csv").unlink()
        (source / f"{table}.parquet").write_bytes(
            table_path(root, _table(table), "2025-12-31").read_bytes()
        )
    report, _ = import_snapshot(source, root, NEW_DATE)
    assert report.ok, report.text()
    assert _published(root, _table("residences")).equals(
        pq.read_table(table_path(root, _table("residences"), "2025-12-31"))
    )


def test_uploaded_files_rpls_extra_columns_and_unsupported_format(root, source):
    """A page passes uploads as {name: bytes}; an RPLS extract carries more columns than needed."""
    rows = read_rows(source / "logements.csv")
    extra = ["IDENT_REP", "CONV", "QPV", "Commentaire"]
    write_rows(
        source / "logements.csv", [rows[0] + extra] + [r + ["X", "1", "2", ""] for r in rows[1:]]
    )
    uploads = {p.name: p.read_bytes() for p in source.iterdir()}
    report = prepare_snapshot(uploads, root, NEW_DATE)
    assert report.ok, report.text()
    (info,) = [s for s in report.sources if s.table == "logements"]
    assert info.columns["id_logement"] == "IDENT_INT"  # the first alias wins over IDENT_REP
    assert info.ignored_columns == ("Commentaire", "IDENT_REP")  # CONV, QPV: known, unused
    discard(report)
    uploads["menages.xls"] = uploads.pop("menages.csv")
    report = prepare_snapshot(uploads, root, NEW_DATE)
    assert [(i.file, i.rule) for i in report.issues] == [
        ("menages.xls", "format non pris en charge")
    ]
    assert not [p for p in root.iterdir() if p.name.startswith(PREFIX)]


# ------------------------------------------------------------------------------- publishing


def test_published_snapshot_records_who_and_what(capsys, root, source):
    code, out, _ = _cli(
        capsys, "import", source, "--snapshot", NEW_DATE, "--data-dir", root, "--user", "a.martin"
    )
    assert code == 0, out
    record = json.loads((root / "snapshots" / f"date={NEW_DATE}" / "_import.json").read_text())
    assert (record["user"], record["snapshot"], record["replaced"]) == ("a.martin", NEW_DATE, None)
    assert record["rows"] == {
        "residences": 3, "batiments": 4, "logements": 12, "menages": 8,
        "departs": 4, "attributions": 8, "demandes": 4,
    }  # fmt: skip
    assert [s["file"] for s in record["sources"]][:2] == ["residences.csv", "batiments.csv"]
    info = published_snapshots(root)[-1]
    assert (info.date, info.user, info.rows["logements"]) == (NEW_DATE, "a.martin", 12)
    assert published_snapshots(root)[0].user is None  # written by hand, not imported
    for table in SNAPSHOT_TABLES:  # the same data as the snapshot it was exported from
        assert _published(root, table).equals(pq.read_table(table_path(root, table, "2025-12-31")))
    # the engine database of the new state is built once, at publication, for every process
    from queries.engine import open_engine

    prepared = out.split("Moteur préparé en ")[1].split(" : ")[1].strip()
    engine = open_engine(root)
    assert str(engine.database) == prepared and engine.latest.isoformat() == NEW_DATE
    engine.close()


def _keep_a_request(root):
    """What a page of a partner of E1 keeps on the latest snapshot (ui.shared.data._indicator's
    request: scope key, objectifs state, indicator, snapshot, by, where, period)."""
    from queries import answers
    from queries.engine import open_engine
    from queries.evaluate import evaluate
    from semantic.scope import Scope

    scope = Scope("partenaire", epci=(E1,))
    engine = open_engine(root)
    request = (
        scope.cache_key(),
        "o",
        "nb_logements",
        engine.latest.isoformat(),
        (),
        (),
        "rolling12",
    )
    answers.remembered(
        engine,
        "ui.shared.data._indicator[avant]",
        request,
        {},
        lambda: evaluate(engine, "nb_logements", scope),
    )
    engine.close()


def _asked_on(root, day: str) -> list:
    from queries import answers
    from queries.engine import open_engine

    engine = open_engine(root)
    found = [a for a in answers.asked(engine) if day in a.args]
    engine.close()
    return found


def test_a_publication_warms_the_new_state_with_the_requests_kept_before(capfd, root, source):
    _keep_a_request(root)
    code = main(["import", str(source), "--snapshot", NEW_DATE, "--data-dir", str(root)])
    out = capfd.readouterr().out
    assert code == 0, out
    assert "Préchauffage : 1 requête(s) posée(s) à nouveau sur 1 gardée(s)" in out
    # the warming process kept the same request on the new latest snapshot, in the new state
    (warmed,) = _asked_on(root, NEW_DATE)
    assert warmed.function.startswith("ui.shared.data._indicator[")
    assert warmed.args[2:] == ("nb_logements", NEW_DATE, (), (), "rolling12")


def test_a_publication_without_warming_asks_nothing_again(capfd, root, source):
    _keep_a_request(root)
    argv = ["import", str(source), "--snapshot", NEW_DATE, "--data-dir", str(root)]
    code = main([*argv, "--sans-prechauffage"])
    out = capfd.readouterr().out
    assert code == 0 and "Moteur préparé en " in out, out
    assert "Préchauffage" not in out and _asked_on(root, NEW_DATE) == []


def test_existing_date_is_refused_without_replace(capsys, root, source):
    before = tree_hashes(root)
    code, out, err = _cli(capsys, "import", source, "--snapshot", "2025-12-31", "--data-dir", root)
    assert code == 2
    assert "existe déjà : ajoutez --replace" in err
    assert tree_hashes(root) == before


def test_replace_keeps_the_previous_version_in_the_archive(capsys, root, source):
    old = tree_hashes(root / "snapshots" / "date=2025-12-31")
    set_cell(source / "logements.csv", 2, "LOYERPRINC", "333,0")
    code, out, _ = _cli(
        capsys, "import", source, "--snapshot", "2025-12-31", "--data-dir", root, "--replace"
    )
    assert code == 0, out
    (archived,) = (root / "archive").iterdir()
    assert archived.name.startswith("date=2025-12-31-replaced-")
    assert tree_hashes(archived) == old
    assert (
        _published(root, _table("logements"), "2025-12-31").column("loyer_mensuel")[0].as_py()
        == 333.0
    )
    record = json.loads((root / "snapshots" / "date=2025-12-31" / "_import.json").read_text())
    assert record["replaced"] == f"archive/{archived.name}"


def test_failed_publication_puts_the_previous_version_back(monkeypatch, root, source):
    before = tree_hashes(root)

    def broken(staged, target):
        raise OSError("disque plein")

    monkeypatch.setattr(publishing_module, "_rename_into_place", broken)
    with pytest.raises(OSError, match="disque plein"):
        import_snapshot(source, root, "2025-12-31", replace=True)
    assert tree_hashes(root) == before
    assert not [p for p in root.iterdir() if p.name.startswith(PREFIX)]
    assert list((root / "archive").iterdir()) == []


_KILLED_IMPORT = """
import os, signal, sys
from ingest.importer import import_snapshot, publishing

def killed(staged, target):  # the process dies between writing and publishing
    os.kill(os.getpid(), signal.SIGKILL)

publishing._rename_into_place = killed
import_snapshot(sys.argv[1], sys.argv[2], sys.argv[3])
"""


@pytest.mark.slow
def test_import_killed_before_publishing_leaves_no_snapshot(capsys, root, source):
    before = tree_hashes(root)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_KILLED_IMPORT), str(source), str(root), NEW_DATE],
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    assert not (root / "snapshots" / f"date={NEW_DATE}").exists()
    (staging,) = [p for p in root.iterdir() if p.name.startswith(PREFIX)]
    assert (staging / "snapshots" / f"date={NEW_DATE}" / "_import.json").is_file()  # all written
    assert {k: v for k, v in tree_hashes(root).items() if not k.startswith(PREFIX)} == before
    code, out, _ = _cli(capsys, "import", source, "--snapshot", NEW_DATE, "--data-dir", root)
    assert code == 0, out
    assert not staging.exists()
    assert (root / "snapshots" / f"date={NEW_DATE}" / "logements.parquet").is_file()


def test_a_live_import_keeps_its_staging(root, source):
    report = prepare_snapshot(source, root, NEW_DATE)
    other = prepare_snapshot(source, root, "2026-06-30")  # cleans only the dead ones
    assert report.staging.is_dir() and other.staging.is_dir()
    discard(other)
    publish(report, user="t")
    assert not other.staging and (root / "snapshots" / f"date={NEW_DATE}").is_dir()
    with pytest.raises(PublishError, match="déjà été publié"):
        publish(report)


def test_publish_refuses_an_existing_date_and_keeps_the_import_ready(root, source):
    report = prepare_snapshot(source, root, "2025-12-31")
    assert report.ok and report.existing
    with pytest.raises(PublishError, match="existe déjà"):
        publish(report)
    assert report.staging.is_dir()
    seen = []
    record = publish(report, replace=True, user="admin", on_publish=seen.append)
    assert seen == [record]
    assert record.audit_details()["action"] == "import_photographie"


def test_publication_goes_to_the_audit_trail_through_the_hook(tmp_path, root, source):
    from ui.shell import audit  # ingest cannot import ui: the admin page passes this hook

    path = tmp_path / "audit.jsonl"

    def write_audit(record):
        details = record.audit_details()
        audit.record(
            path, "admin_action", user=record.user, role="admin", scope=None, details=details
        )

    _, record = import_snapshot(source, root, NEW_DATE, user="admin", on_publish=write_audit)
    (event,) = audit.read_events(path)
    assert (event["event"], event["user"]) == ("admin_action", "admin")
    assert event["details"] == {
        "action": "import_photographie",
        "photographie": NEW_DATE,
        "dossier": f"snapshots/date={NEW_DATE}",
        "lignes": record.rows,
        "fichiers": [f"{t.name}.csv" for t in SNAPSHOT_TABLES],
        "version_archivee": None,
    }


def test_retire_moves_a_snapshot_to_the_archive(root):
    archived = retire_snapshot(root, "2024-12-31", user="admin")
    assert archived.parent == root / "archive" and (archived / "logements.parquet").is_file()
    assert [i.date for i in published_snapshots(root)] == ["2025-09-30", "2025-12-31"]
    retire_snapshot(root, "2025-09-30")
    with pytest.raises(PublishError, match="la seule"):
        retire_snapshot(root, "2025-12-31")


# ---------------------------------------------------------------------------------- mapping


def test_user_mapping_adds_a_code(tmp_path, root, source):
    set_cell(source / "logements.csv", 4, "FINAN", "99")
    user = tmp_path / "maison.yaml"
    user.write_text(
        "tables:\n  logements:\n    columns:\n      financement:\n        aliases: [FIN]\n"
        "        codes:\n          PLUS: ['99']\n",
        encoding="utf-8",
    )
    report, _ = import_snapshot(source, root, NEW_DATE, mapping=load_mapping(user))
    assert report.ok, report.text()
    assert _published(root, _table("logements")).column("financement")[2].as_py() == "PLUS"


def test_mapping_typos_are_errors_with_file_and_line(capsys, tmp_path, root, source):
    user = tmp_path / "maison.yaml"
    user.write_text(
        "tables:\n  logements:\n    columns:\n      financemnt: [FIN]\n"
        "      mode_occupation:\n        codes:\n          louee: ['9']\n  menage: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as error:
        load_mapping(user)
    assert error.value.problems == [
        "maison.yaml:4: colonne inconnu(e) « financemnt ». Vouliez-vous dire « financement » ? "
        "Valeurs valides : id_logement, id_batiment, id_residence, etage, nb_pieces, surface_habitable, "
        "financement, loyer_mensuel, mode_occupation, date_debut_vacance, date_mise_en_location, reservataire.",
        "maison.yaml:7: valeur inconnu(e) « louee ». Vouliez-vous dire « loue » ? "
        "Valeurs valides : loue, vacant, vide, autre.",
        "maison.yaml:8: table inconnu(e) « menage ». Vouliez-vous dire « menages » ? Valeurs valides : "
        "territoires, qpv, plafonds, seuils_q1, delais_anormaux, attributions_territoire, "
        "residences, batiments, logements, menages, departs, attributions, demandes, propositions.",
    ]
    code, _, err = _cli(
        capsys, "import", source, "--snapshot", NEW_DATE, "--data-dir", root, "--mapping", user
    )
    assert code == 2 and "maison.yaml:4" in err


def test_rpls_qpv_flag_must_agree_with_the_qpv_code(capsys, root, source):
    set_cell(source / "residences.csv", 3, "QPV", "1")  # R2 has no QPV code
    set_cell(source / "residences.csv", 4, "QPV", "7")
    issues, _, _ = _refused(capsys, root, source)
    assert issues == [
        ("residences.csv", "3", "QPV", "1", "valeurs incohérentes"),
        ("residences.csv", "4", "QPV", "7", "code inconnu"),
    ]


# ------------------------------------------------------------------------------- reference


def test_reference_import_keeps_other_years_and_archives_the_previous_version(
    capsys, tmp_path, root
):
    source = tmp_path / "arrete"
    source.mkdir()
    write_rows(
        source / "seuils_q1_2027.csv",
        [
            ["Département", "EPCI", "SIREN", "Valeur du premier quartile"],
            ["38", "Métropole", E1, "9 412,5"],
        ],
    )
    before = tree_hashes(root / "reference")
    code, out, _ = _cli(capsys, "import-reference", source, "--data-dir", root, "--user", "admin")
    assert code == 0, out
    seuils = pq.read_table(root / "reference" / "seuils_q1.parquet").to_pylist()
    assert seuils[0] == {"annee": 2027, "code_epci": E1, "seuil_q1_uc": 9412.5}
    assert [(r["annee"], r["code_epci"]) for r in seuils[1:]] == [
        (2024, E1), (2025, E1), (2026, E2),
    ]  # fmt: skip
    (archived,) = (root / "archive").iterdir()
    assert archived.name.startswith("reference-replaced-") and tree_hashes(archived) == before
    assert "colonnes ignorées : Département, EPCI" in out
    assert "conservés tels quels : territoires, qpv, plafonds" in out


def test_optional_reference_table_is_imported_then_kept_by_later_imports(capsys, tmp_path, root):
    source = tmp_path / "arrete_dal"
    source.mkdir()
    write_rows(
        source / "delai_anormalement_long.csv",
        [["Département", "Délai (mois)"], ["38", "24"]],
    )
    assert not (root / "reference" / "delais_anormaux.parquet").exists()
    code, out, _ = _cli(capsys, "import-reference", source, "--data-dir", root, "--user", "admin")
    assert code == 0, out
    delais = pq.read_table(root / "reference" / "delais_anormaux.parquet").to_pylist()
    assert delais == [{"code_departement": "38", "delai_mois": 24}]
    # a later import of another table keeps it (the whole reference/ folder is replaced)
    other = tmp_path / "arrete_q1"
    other.mkdir()
    write_rows(other / "seuils_q1_2027.csv", [["SIREN", "Q1"], [E1, "9 500"]])
    code, out, _ = _cli(capsys, "import-reference", other, "--data-dir", root, "--user", "admin")
    assert code == 0, out
    assert pq.read_table(root / "reference" / "delais_anormaux.parquet").to_pylist() == delais
    assert "delais_anormaux" in out  # listed among the tables carried over


def test_reference_import_is_checked_against_the_snapshots_in_place(capsys, tmp_path, root):
    source = tmp_path / "geo"
    source.mkdir()
    features = [
        {
            "type": "Feature",
            "properties": {"code_qp": "QN03801T", "lib_qp": "Mistral", "insee_com": "38185"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[5.7, 45.17], [5.71, 45.17], [5.7, 45.18], [5.7, 45.17]]],
            },
        },
        {
            "type": "Feature",
            "properties": {"code_qp": "QN03802X", "lib_qp": "Inconnu", "insee_com": "99999"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[5.7, 45.17], [5.71, 45.17], [5.7, 45.18], [5.7, 45.17]]],
            },
        },
    ]
    (source / "qpv.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    # territoires without Saint-Martin-d'Hères: residence R2 of every snapshot would lose its commune
    rows = [
        ["DEPCOM", "LIBCOM", "EPCI", "LIBEPCI", "DEP", "ZONE", "LAT", "LON"],
        ["38185", "Grenoble", E1, "Grenoble-Alpes-Métropole", "38", "3", "45,1885", "5,7245"],
        ["38563", "Voiron", E2, "CA du Pays Voironnais", "38", "Autres régions", "45,364", "5,589"],
    ]
    write_rows(source / "territoires.csv", rows)
    before = tree_hashes(root)
    code, out, _ = _cli(capsys, "import-reference", source, "--data-dir", root)
    assert code == 1
    assert tree_hashes(root) == before
    report_rows = list(
        csv.reader(
            io.StringIO((source / "rapport_import.csv").read_text("utf-8-sig")), delimiter=";"
        )
    )
    residences = ["residences.parquet (données en place)", "3", "code_commune", "38421"]
    demandes = ["demandes.parquet (données en place)", "4", "code_commune_souhaitee", "38421"]
    assert [r[:5] for r in report_rows[1:]] == [
        ["qpv.geojson", "2", "insee_com (code_commune)", "99999", "référence inconnue"],
        [f"snapshots/date=2024-12-31/{residences[0]}", *residences[1:], "référence inconnue"],
        [f"snapshots/date=2025-09-30/{residences[0]}", *residences[1:], "référence inconnue"],
        [f"snapshots/date=2025-09-30/{demandes[0]}", *demandes[1:], "référence inconnue"],
        [f"snapshots/date=2025-12-31/{residences[0]}", *residences[1:], "référence inconnue"],
        [f"snapshots/date=2025-12-31/{demandes[0]}", *demandes[1:], "référence inconnue"],
    ]


def test_qpv_polygons_must_be_wgs84_polygons(capsys, tmp_path, root):
    source = tmp_path / "geo"
    source.mkdir()
    square = [[[5.7, 45.17], [5.71, 45.17], [5.7, 45.18], [5.7, 45.17]]]
    lambert = [[[913000.0, 6458000.0], [914000.0, 6458000.0], [913000.0, 6459000.0]]]
    shapes = [
        {"type": "Polygon", "coordinates": square},
        {"type": "Point", "coordinates": [5.7, 45.17]},
        {"type": "Polygon", "coordinates": lambert},
    ]
    features = [
        {
            "type": "Feature",
            "properties": {"code_qp": f"QN0380{i}T", "lib_qp": "Q", "insee_com": "38185"},
            "geometry": g,
        }
        for i, g in enumerate(shapes)
    ]
    (source / "qpv.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    before = tree_hashes(root)
    code, out, _ = _cli(capsys, "import-reference", source, "--data-dir", root)
    assert code == 1 and tree_hashes(root) == before
    report = [
        r[:5]
        for r in csv.reader(
            io.StringIO((source / "rapport_import.csv").read_text("utf-8-sig")), delimiter=";"
        )
    ]
    assert report[1:] == [
        [
            "qpv.geojson",
            "2",
            "geometry",
            '{"type":"Point","coordinates":[5.7,45.17]}',
            "géométrie invalide",
        ],
        [
            "qpv.geojson",
            "3",
            "geometry",
            json.dumps(shapes[2], separators=(",", ":")),
            "géométrie invalide",
        ],
    ]
    assert "Point au lieu de Polygon" in out and "hors WGS84" in out


# ------------------------------------------------------------------- the portal picks it up


def test_portal_sees_a_published_snapshot_without_restart(root, source):
    from queries.engine import get_engine

    first = get_engine(root)
    assert first.latest.isoformat() == "2025-12-31"
    import_snapshot(source, root, NEW_DATE)
    second = get_engine(root)
    assert second is not first and second.latest.isoformat() == NEW_DATE


def test_portal_sees_a_replaced_snapshot_without_restart(root, source):
    from queries.engine import get_engine

    first = get_engine(root)
    set_cell(source / "logements.csv", 2, "LOYERPRINC", "999,0")
    import_snapshot(source, root, "2025-12-31", replace=True)
    assert get_engine(root) is not first


# -------------------------------------------------------------------------------- round trip

ROUND_TRIP_INDICATORS = (
    "nb_logements",
    "taux_vacance",
    "taux_vacance_3_mois",
    "part_menages_plai",
    "part_menages_sous_60pc",
    "part_familles_monoparentales",
    "part_titulaires_65_plus",
    "revenu_median_uc",
    "anciennete_moyenne",
    "taux_sur_occupation",
    "part_attributions_q1_hors_qpv",
    "part_attributions_dalo",
    "delai_attente_median_mois",
    "taux_rotation",
    # on the optional inputs
    "taux_refus_propositions",
    "part_logements_3_candidats",
    "cotation_mediane_attributions",
    "part_attributions_delai_anormal",
)


@pytest.mark.slow
def test_demo_round_trip_through_rpls_csv_gives_the_same_indicators(capsys, tmp_path):
    import pandas as pd

    from dataroot.contract import (
        OPTIONAL_REFERENCE_TABLES,
        OPTIONAL_SNAPSHOT_TABLES,
        REFERENCE_TABLES,
    )
    from ingest.demo import generate
    from ingest.importer import export_reference, export_rpls
    from queries.engine import open_engine
    from queries.evaluate import evaluate
    from semantic.scope import Scope

    original = tmp_path / "demo"
    dates = [d.isoformat() for d in generate(original, logements=2000, snapshots=2).snapshots]
    copy = tmp_path / "reimport"
    export_reference(original, tmp_path / "csv" / "reference")
    assert (
        _cli(capsys, "import-reference", tmp_path / "csv" / "reference", "--data-dir", copy)[0] == 0
    )
    for date in dates:
        files = export_rpls(original, date, tmp_path / "csv" / date)
        assert (
            files[2]
            .read_bytes()
            .split(b"\r\n")[0]
            .startswith(b"IDENT_INT;ID_BATIMENT;ID_RESIDENCE;ETAGE;NBPIECE;SURFHAB;FINAN")
        )
        code, out, _ = _cli(
            capsys, "import", tmp_path / "csv" / date, "--snapshot", date, "--data-dir", copy
        )
        assert code == 0, out
    # the optional tables and columns of the demo too (propositions, cotation, delais_anormaux,
    # attributions_territoire)
    for table in REFERENCE_TABLES + OPTIONAL_REFERENCE_TABLES:
        if table.name != "qpv":  # its polygons go through GeoJSON, whose number spelling may change
            assert pq.read_table(table_path(copy, table)).equals(
                pq.read_table(table_path(original, table))
            )
    for table in SNAPSHOT_TABLES + OPTIONAL_SNAPSHOT_TABLES:
        for date in dates:
            assert pq.read_table(table_path(copy, table, date)).equals(
                pq.read_table(table_path(original, table, date))
            )
    engines = open_engine(original), open_engine(copy)
    try:
        scope = Scope.internal()
        compared = 0
        for indicator in ROUND_TRIP_INDICATORS:
            for by in ("epci", "residence"):
                for date in dates:
                    before, after = (
                        evaluate(e, indicator, scope, by=[by], snapshot=date) for e in engines
                    )
                    assert len(before) > 0
                    pd.testing.assert_frame_equal(before, after)
                    compared += 1
        assert compared == len(ROUND_TRIP_INDICATORS) * 2 * len(dates)
    finally:
        for engine in engines:
            engine.close()


def test_import_prints_the_validation_warnings_as_validate_does(capsys, tmp_path, root):
    # 2026 ceilings where the one-person PLAI (10 000) is below 2025's (12 760) and far from 0.55
    # of PLUS: the import goes through and says so, like `peuplement validate`
    source = tmp_path / "plafonds_2026"
    source.mkdir()
    rows = [["Année", "Zone", "Financement", "Catégorie", "Plafond", "Par personne sup."]]
    for financement, first, step in (("PLAI", 10000, 5000), ("PLUS", 23800, 7000)):
        for category in range(1, 7):
            amount = first + step * (category - 1)
            rows.append(["2026", "3", financement, str(category), str(amount), "4000"])
    for category in range(1, 7):
        rows.append(["2026", "3", "PLS", str(category), str(31000 + 9000 * (category - 1)), "8000"])
    write_rows(source / "plafonds_2026.csv", rows)
    code, out, _ = _cli(capsys, "import-reference", source, "--data-dir", root, "--user", "admin")
    assert code == 0, out
    assert "Avertissements (les données restent utilisables ; vérifiez-les) :" in out
    warnings = out.split("Avertissements", 1)[1]
    assert "[ceiling_decrease" in warnings and "[plai_plus_ratio" in warnings
    assert "autres PLAI cat. 1: 2026 = 10000.0 < 2025 = 12760.0" in warnings
    assert "Publié" in out
    # the same data root, checked by validate, gives the same warnings
    code, validated, _ = _cli(capsys, "validate", root)
    assert code == 0 and "Avertissements" in validated
