"""The engine's database is built once per published state and shared: every process and restart
opens the same file read-only; a new publication gets its own file; a failed or impossible write
never leaves a half-built file in use."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from queries import engine_file
from queries.engine import open_engine
from queries.engine_file import ENGINE_FILE_PREFIX
from queries.errors import DataRootError
from queries.settings import ENGINE_DIR_ENV, engine_dir
from queries.sql import rules


@pytest.fixture
def root(tiny_root, tmp_path, monkeypatch):
    """A private copy of the tiny root (tests here publish into it), engine folder inside."""
    monkeypatch.delenv(ENGINE_DIR_ENV, raising=False)
    copy = tmp_path / "racine"
    shutil.copytree(tiny_root, copy, ignore=shutil.ignore_patterns(".moteur"))
    return copy


def _files(root):
    return sorted(p.name for p in engine_dir(root).glob(f"{ENGINE_FILE_PREFIX}*.duckdb"))


def _count_builds(monkeypatch) -> list:
    builds = []
    real = engine_file._build_database

    def counting(*args, **kwargs):
        builds.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(engine_file, "_build_database", counting)
    return builds


def test_a_second_engine_opens_the_built_file_without_building(root, monkeypatch):
    builds = _count_builds(monkeypatch)
    first = open_engine(root)
    second = open_engine(root)
    assert len(builds) == 1
    assert first.database == second.database and first.database.parent == root / ".moteur"
    count = "SELECT count(*) FROM logements"
    assert first.cursor().execute(count).fetchone() == second.cursor().execute(count).fetchone()
    first.close()
    assert second.database.is_file()  # closing an engine never removes the shared file
    assert second.cursor().execute(count).fetchone()[0] > 0
    second.close()


def test_a_root_named_by_a_relative_path_opens_the_file_built_by_its_absolute_path(
    root, monkeypatch
):
    """`peuplement import --data-dir data/x` prepares the engine under a relative path; the
    server names the root by its absolute path: one state, one file, one build."""
    builds = _count_builds(monkeypatch)
    monkeypatch.chdir(root.parent)
    relative = open_engine(root.name)
    absolute = open_engine(root)
    assert len(builds) == 1 and relative.database == absolute.database
    assert relative.data_root == absolute.data_root == root
    relative.close()
    absolute.close()


def test_another_process_opens_the_same_file_while_this_one_reads_it(root):
    mine = open_engine(root)
    script = (
        "import sys; from queries.engine import open_engine\n"
        "e = open_engine(sys.argv[1])\n"
        "print(e.database); print(e.cursor().execute('SELECT count(*) FROM logements').fetchone()[0])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)], capture_output=True, text=True, check=True
    )
    path, count = done.stdout.split()
    assert path == str(mine.database)
    assert int(count) == mine.cursor().execute("SELECT count(*) FROM logements").fetchone()[0]
    mine.close()


def _publish(root, date: str) -> None:
    """A new snapshot renamed into place, as the importer does."""
    source = next((root / "snapshots").glob("date=*"))
    staging = root / f".staging-{date}"
    shutil.copytree(source, staging)
    os.replace(staging, root / "snapshots" / f"date={date}")


def test_each_publication_gets_its_own_file_and_old_ones_are_retired(root):
    open_engine(root).close()
    (first,) = _files(root)
    _publish(root, "2026-03-31")
    newer = open_engine(root)
    assert newer.latest.isoformat() == "2026-03-31"
    assert first in _files(root) and len(_files(root)) == 2  # the previous state is kept
    _publish(root, "2026-06-30")
    newest = open_engine(root)
    assert len(_files(root)) == 2 and first not in _files(root)
    assert newest.database.name in _files(root) and newer.database.name in _files(root)
    # a process still reading a retired file goes on reading it
    assert newer.cursor().execute("SELECT count(*) FROM logements").fetchone()[0] > 0


def test_an_input_rewritten_in_place_is_a_new_state(root):
    built = open_engine(root).database
    victim = next((root / "snapshots").glob("date=*/logements.parquet"))
    victim.write_bytes(victim.read_bytes())  # same folder, same bytes, a new modification time
    os.utime(victim, ns=(1, 1))
    assert open_engine(root).database != built


def test_an_unwritable_engine_folder_falls_back_to_a_private_build(root, tmp_path, monkeypatch):
    blocker = tmp_path / "fichier"
    blocker.write_text("pas un dossier")
    monkeypatch.setenv(ENGINE_DIR_ENV, str(blocker))  # its subfolder cannot be created
    engine = open_engine(root)
    assert engine.database.parent == engine.workdir
    assert engine.cursor().execute("SELECT count(*) FROM logements").fetchone()[0] > 0
    engine.close()
    assert not engine.database.exists()


def test_a_configured_engine_folder_holds_one_subfolder_per_root(root, tmp_path, monkeypatch):
    monkeypatch.setenv(ENGINE_DIR_ENV, str(tmp_path / "moteurs"))
    engine = open_engine(root)
    assert engine.database.parent.parent == tmp_path / "moteurs"
    assert not (root / ".moteur").exists()
    engine.close()


def test_a_failed_build_leaves_no_file_behind(root):
    victim = next((root / "snapshots").glob("date=*/logements.parquet"))
    victim.write_bytes(b"PAR1 pas un parquet")
    with pytest.raises(DataRootError, match="lecture impossible"):
        open_engine(root)
    left = [p.name for p in (root / ".moteur").iterdir() if p.name != ".verrou"]
    assert left == []


def test_the_spill_folder_goes_with_the_last_engine_of_the_process(root):
    first, second = open_engine(root), open_engine(root)
    assert first.workdir == second.workdir  # one DuckDB instance per file and process
    first.close()
    assert second.workdir.is_dir()
    assert second.cursor().execute("SELECT count(*) FROM logements").fetchone()[0] > 0
    second.close()
    assert not second.workdir.exists()


@pytest.mark.slow  # the benchmark's build and opens, each in a process of its own
def test_the_bench_measures_a_build_then_opens_of_the_same_file(root):
    from queries.bench import engine_start

    found = engine_start.run(root, 2)
    assert found["runs"] == 2 and found["size_mb"] > 0
    assert found["build_s"] > 0 and found["open_s"] > 0  # run() refuses an open that rebuilt
    assert not (root / ".moteur").exists()  # measured in a folder of its own, then removed


# The bases sorted by a unique key (enrichment.sql): a build appended to a copy must give them in
# the same order as a build from scratch, not only the same rows.
_SORTED_BASES = (
    "logements",
    "menages",
    "attributions",
    "departs",
    "demandes",
    "propositions",
    "examens_logements",
)


def _differences(built, reference) -> list[str]:
    """Each table of `built` against `reference`: rows only in one, and for the sorted bases the
    row order (DuckDB keeps insertion order: rowid)."""
    import duckdb

    con = duckdb.connect()
    con.execute("ATTACH $p AS a (READ_ONLY)", {"p": str(built)})
    con.execute("ATTACH $p AS b (READ_ONLY)", {"p": str(reference)})
    tables = {
        db: sorted(
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = $d", {"d": db}
            ).fetchall()
        )
        for db in ("a", "b")
    }
    found = [] if tables["a"] == tables["b"] else [f"tables {tables}"]
    for t in tables["b"]:
        for x, y in (("a", "b"), ("b", "a")):
            extra = con.execute(
                f"SELECT count(*) FROM (FROM {x}.{t} EXCEPT ALL FROM {y}.{t})"  # noqa: S608 - names from duckdb_tables()
            ).fetchone()[0]
            if extra:
                found.append(f"{t}: {extra} rows only in {x}")
        if t in _SORTED_BASES:
            ordered = [
                con.execute(
                    "SELECT md5(string_agg(CAST(r AS VARCHAR), '|' ORDER BY r.rowid)) "  # noqa: S608 - names from duckdb_tables()
                    f"FROM (SELECT *, rowid FROM {db}.{t}) r"
                ).fetchone()[0]
                for db in ("a", "b")
            ]
            if ordered[0] != ordered[1]:
                found.append(f"{t}: order differs")
    con.close()
    return found


def _skips(monkeypatch) -> list[int]:
    skips = []
    real = engine_file._build_database

    def recording(*args, **kwargs):
        skips.append(kwargs.get("skip", 0))
        return real(*args, **kwargs)

    monkeypatch.setattr(engine_file, "_build_database", recording)
    return skips


def test_a_publication_of_a_later_snapshot_appends_it_to_a_copy_of_the_previous_file(
    root, tmp_path, monkeypatch
):
    latest = sorted((root / "snapshots").glob("date=*"))[-1]
    aside = tmp_path / latest.name
    os.replace(latest, aside)
    previous = open_engine(root)
    n = len(previous.snapshots)
    os.replace(aside, latest)  # published
    skips = _skips(monkeypatch)
    appended = open_engine(root)
    assert skips == [n]  # only the new snapshot was built
    assert appended.database != previous.database and len(appended.snapshots) == n + 1
    # the same tables, rows and order as a build from scratch of the whole state
    inputs = engine_file.input_files(root, appended.snapshots)
    constants = rules.occupancy_parameters()
    scratch = engine_file._build_database(root, inputs, constants, tmp_path)
    assert _differences(appended.database, scratch) == []
    # the previous state's file is untouched: it still reads n snapshots
    assert previous.cursor().execute(
        "SELECT count(DISTINCT snapshot_date) FROM logements"
    ).fetchone() == (n,)
    previous.close()
    appended.close()


def test_a_state_that_changes_an_older_snapshot_is_built_from_scratch(root, monkeypatch):
    open_engine(root).close()
    oldest = sorted((root / "snapshots").glob("date=*"))[0] / "logements.parquet"
    os.utime(oldest, ns=(1, 1))  # rewritten in place
    _publish(root, "2026-03-31")
    skips = _skips(monkeypatch)
    open_engine(root).close()
    assert skips == [0]


def test_a_retired_file_takes_its_manifest_with_it(root):
    open_engine(root).close()
    for date in ("2026-03-31", "2026-06-30"):
        _publish(root, date)
        open_engine(root).close()
    folder = engine_dir(root)
    databases = {p.stem for p in folder.glob(f"{ENGINE_FILE_PREFIX}*.duckdb")}
    manifests = {p.stem for p in folder.glob(f"{ENGINE_FILE_PREFIX}*.json")}
    assert len(databases) == 2 and manifests == databases


def test_an_epci_spelled_two_ways_gets_one_name_whatever_rows_a_query_reads(root):
    """The builder reads a label from any row of its group (any_value): the engine gives each EPCI
    one name, the smallest the territories file spells, on every row of every base."""
    import pandas as pd

    from queries.evaluate import evaluate
    from semantic.scope import Scope

    path = root / "reference" / "territoires.parquet"
    territories = pd.read_parquet(path)
    code = territories["code_epci"].value_counts().index[0]  # an EPCI of several communes
    rows = territories.index[territories["code_epci"] == code]
    name = territories.loc[rows[0], "nom_epci"]
    territories.loc[rows[1:], "nom_epci"] = "AAA " + name  # smaller, on the other communes
    territories.to_parquet(path)
    engine = open_engine(root)
    names = engine.fetch(
        "SELECT DISTINCT nom_epci FROM logements WHERE code_epci = $c", {"c": code}
    )["nom_epci"].tolist()
    assert names == ["AAA " + name]
    by_epci = evaluate(engine, "nb_logements", Scope.internal(), by=["epci"])
    assert by_epci.loc[by_epci["epci"] == code, "epci_libelle"].tolist() == ["AAA " + name]
    engine.close()
