"""The engine: tables built once match what bases.yaml documents; guardrails hold."""

from __future__ import annotations

import duckdb
import pytest

from queries.engine import ROW_CAP, get_engine, list_snapshots, open_engine
from queries.errors import DataRootError
from semantic.catalogue import load_catalogue
from tests.tiny_data import SNAPSHOTS


def test_every_documented_column_exists_with_its_type(tiny_engine):
    cat = load_catalogue()
    types = {
        "string": "VARCHAR",
        "int": ("INTEGER", "BIGINT"),
        "double": "DOUBLE",
        "bool": "BOOLEAN",
    }
    for base_name, base in cat.bases.items():
        described = dict(
            tiny_engine.cursor().execute(f"DESCRIBE {base_name}").fetchall()
            and [
                (r[0], r[1])
                for r in tiny_engine.cursor().execute(f"DESCRIBE {base_name}").fetchall()
            ]
        )
        for column, spec in base.columns.items():
            assert column in described, f"{base_name}.{column} documented but not built"
            expected = types[spec.type]
            assert described[column] in (
                expected if isinstance(expected, tuple) else (expected,)
            ), f"{base_name}.{column}: built as {described[column]}, documented as {spec.type}"
        for dim in base.dimensions:
            label = cat.dimensions[dim].label_column
            assert label is None or label in described, f"{base_name} lacks label column {label}"


def test_snapshots_discovered_from_folders(tiny_root, tmp_path):
    assert list_snapshots(tiny_root) == list(SNAPSHOTS)
    (tiny_root / "snapshots" / "date=2025-13-45").mkdir()
    (tiny_root / "snapshots" / "notes").mkdir()
    try:
        assert list_snapshots(tiny_root) == list(SNAPSHOTS)
    finally:
        (tiny_root / "snapshots" / "date=2025-13-45").rmdir()
        (tiny_root / "snapshots" / "notes").rmdir()


def test_engine_cannot_read_or_write_files_after_loading(tiny_engine, tiny_root):
    with pytest.raises(duckdb.Error):
        tiny_engine.cursor().execute(
            "SELECT * FROM read_parquet(?)", [str(tiny_root / "reference" / "qpv.parquet")]
        )
    with pytest.raises(duckdb.Error):
        tiny_engine.cursor().execute("SET enable_external_access = true")


def test_missing_root_is_a_clear_error(tmp_path):
    with pytest.raises(DataRootError, match="introuvable"):
        open_engine(tmp_path / "absent")
    (tmp_path / "vide").mkdir()
    with pytest.raises(DataRootError, match="aucune photographie"):
        open_engine(tmp_path / "vide")


def test_engine_rebuilt_when_a_snapshot_is_published(tiny_root):
    first = get_engine(tiny_root)
    assert get_engine(tiny_root) is first
    new = tiny_root / "snapshots" / "date=2026-03-31"
    new.mkdir()
    for f in (tiny_root / "snapshots" / "date=2025-12-31").iterdir():
        (new / f.name).write_bytes(f.read_bytes())
    try:
        second = get_engine(tiny_root)
        assert second is not first and second.latest.isoformat() == "2026-03-31"
    finally:
        for f in new.iterdir():
            f.unlink()
        new.rmdir()


def test_row_cap_is_a_named_guardrail():
    assert ROW_CAP == 200_000


def test_income_per_uc_is_empty_exactly_when_the_income_is_unknown(tiny_engine):
    # revenu_median_uc relies on it: the median skips empty values instead of filtering rfr_connu
    unknown, mismatched = (
        tiny_engine.cursor()
        .execute(
            "SELECT count(*) FILTER (WHERE NOT rfr_connu),"
            " count(*) FILTER (WHERE (revenu_par_uc IS NULL) <> (NOT rfr_connu)) FROM menages"
        )
        .fetchone()
    )
    assert unknown > 0 and mismatched == 0


def test_engine_database_is_read_only_and_its_folder_goes_with_it(tiny_root, tmp_path):
    """The database file is shared (tests/test_engine_file.py); the private folder for DuckDB's
    spills goes with the last engine of the process reading it (here the only one: a copy)."""
    import shutil

    root = tmp_path / "racine"
    shutil.copytree(tiny_root, root, ignore=shutil.ignore_patterns(".moteur"))
    engine = open_engine(root)
    workdir = engine.workdir
    assert workdir.is_dir() and engine.database.is_file()
    with pytest.raises(duckdb.Error, match="read-only|read only"):
        engine.cursor().execute("CREATE TABLE essai AS SELECT 1")
    with pytest.raises(duckdb.Error):
        engine.cursor().execute("DELETE FROM logements")
    assert engine.cursor().execute("SELECT count(*) FROM logements").fetchone()[0] > 0
    engine.close()
    assert not workdir.exists() and engine.database.is_file()


def test_a_failed_build_leaves_no_folder(tiny_root, tmp_path, monkeypatch):
    import shutil
    import tempfile

    broken = tmp_path / "racine"
    shutil.copytree(tiny_root, broken)
    victim = next((broken / "snapshots").glob("date=*/logements.parquet"))
    victim.write_bytes(b"PAR1 pas un parquet")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    with pytest.raises(DataRootError, match="lecture impossible"):
        open_engine(broken)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_folders_of_dead_processes_are_swept_live_ones_kept(tmp_path):
    import os
    import subprocess
    import sys

    from queries.engine import WORKDIR_PREFIX, sweep_orphan_workdirs

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    orphan = tmp_path / f"{WORKDIR_PREFIX}{int(dead.stdout)}-abc"
    mine = tmp_path / f"{WORKDIR_PREFIX}{os.getpid()}-def"
    unrelated = tmp_path / "peuplement-autre-1-x"
    for folder in (orphan, mine, unrelated):
        folder.mkdir()
        (folder / "enrichi.duckdb").write_bytes(b"x")
    assert sweep_orphan_workdirs(tmp_path) == [orphan]
    assert not orphan.exists() and mine.exists() and unrelated.exists()


def test_an_unwritable_temporary_folder_is_named_in_a_clear_error(tiny_root, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "absent" / "dossier"))
    with pytest.raises(DataRootError, match="TMPDIR") as caught:
        open_engine(tiny_root)
    assert str(tmp_path / "absent" / "dossier") in str(caught.value)


def test_optional_inputs_absent_leave_their_columns_empty(tiny_engine):
    """The tiny root has neither reference/delais_anormaux.parquet nor a cotation column: the
    engine still builds, and a demand's délai and cotation are unknown, never false or 0."""
    rows = (
        tiny_engine.cursor()
        .execute(
            "SELECT count(*), count(delai_anormal_mois), count(delai_depasse), count(cotation) "
            "FROM demandes"
        )
        .fetchall()
    )
    assert rows[0][0] > 0 and rows[0][1:] == (0, 0, 0)
