"""Answers kept per published state (queries/answers.py): computed once, then read by another
engine on the same file (another server process, a restart), never across states, code versions,
scopes or arguments; a frame the format would alter, a damaged file and an unwritable folder fall back
to computing."""

from __future__ import annotations

import os
import time

import pandas as pd
import pytest

from queries import answer_names, answers
from queries.engine import open_engine
from queries.engine_file import ANSWERS_SUFFIX, _retire_old_files
from queries.evaluate import evaluate
from semantic.scope import Scope
from tests.tiny_data import write_tiny_root

MANAGER = Scope.internal("manager")


@pytest.fixture
def root(tmp_path):
    return write_tiny_root(tmp_path / "racine")


@pytest.fixture
def engines(root):
    opened = []

    def open_one():
        opened.append(open_engine(root))
        return opened[-1]

    yield open_one
    for engine in opened:
        engine.close()


def counted(engine, calls, indicator="taux_vacance", scope=MANAGER):
    def compute():
        calls.append(indicator)
        return evaluate(engine, indicator, scope, by=["epci"])

    return compute


def test_an_answer_is_computed_once_and_read_by_another_engine_on_the_same_state(engines):
    first, calls = engines(), []
    computed = answers.remembered(first, "t", ("s",), {}, counted(first, calls))
    again = answers.remembered(first, "t", ("s",), {}, counted(first, calls))
    second = engines()  # another process, or the same after a restart
    assert second.database == first.database
    read = answers.remembered(second, "t", ("s",), {}, counted(second, calls))
    assert calls == ["taux_vacance"]
    pd.testing.assert_frame_equal(again, computed, check_exact=True)
    pd.testing.assert_frame_equal(read, computed, check_exact=True)
    assert read.attrs == computed.attrs
    kept = list(answers.answers_dir(first).glob("*.arrow"))
    assert len(kept) == 1 and first.database.with_suffix(ANSWERS_SUFFIX) == kept[0].parent


def test_another_name_argument_or_scope_is_another_answer(engines):
    engine, calls = engines(), []
    partner = Scope("partenaire", epci=("200000001",))
    answers.remembered(engine, "t", ("s",), {}, counted(engine, calls))
    answers.remembered(engine, "u", ("s",), {}, counted(engine, calls))
    answers.remembered(engine, "t", ("s2",), {}, counted(engine, calls))
    answers.remembered(engine, "t", ("s",), {"par": "epci"}, counted(engine, calls))
    answers.remembered(
        engine, "t", (partner.cache_key(),), {}, counted(engine, calls, scope=partner)
    )
    assert len(calls) == 5
    assert len(list(answers.answers_dir(engine).glob("*.arrow"))) == 5


def test_request_names_are_stable_and_refuse_what_has_no_stable_text():
    args = ("interne|1||", "2026-09-30", ("epci",), (("commune", ("38001", "38002")),), 0.5)
    assert answer_names.request_name("t", args, {"n": 1}) == answer_names.request_name(
        "t", args, {"n": 1}
    )
    assert answer_names.request_name("t", args, {"n": 1}) != answer_names.request_name(
        "t", args, {"n": 2}
    )
    # a tuple and a list, a date and its text, 1 and 1.0 are different requests
    assert answer_names.request_name("t", (("a",),), {}) != answer_names.request_name(
        "t", (["a"],), {}
    )
    assert answer_names.request_name("t", (pd.Timestamp("2026-09-30").date(),), {}) != (
        answer_names.request_name("t", ("2026-09-30",), {})
    )
    assert answer_names.request_name("t", (1,), {}) != answer_names.request_name("t", (1.0,), {})
    assert answer_names.request_name("t", (object(),), {}) is None
    assert answer_names.request_name("t", (), {"f": len}) is None


def test_a_change_of_the_code_is_a_new_name(monkeypatch):
    before = answer_names.request_name("t", ("s",), {})
    monkeypatch.setattr(answer_names, "code_version", lambda: "autre-version")
    assert answer_names.request_name("t", ("s",), {}) != before


def test_a_request_without_a_stable_name_or_a_frame_is_computed_each_time(engines):
    engine, calls = engines(), []
    for _ in range(2):
        answers.remembered(engine, "t", (object(),), {}, counted(engine, calls))
    assert calls == ["taux_vacance"] * 2
    assert answers.remembered(engine, "dict", ("s",), {}, lambda: {"a": 1}) == {"a": 1}
    assert not answers.answers_dir(engine).exists()


def test_a_frame_the_format_would_alter_is_not_kept(engines):
    engine = engines()
    frame = pd.DataFrame({"code": ["a"], "valeur": [1.5]})
    frame.attrs["seuils"] = (11, 2)  # a tuple would read back as a list
    runs = []

    def compute():
        runs.append(1)
        return frame

    assert answers.remembered(engine, "t", ("s",), {}, compute) is frame
    assert answers.remembered(engine, "t", ("s",), {}, compute) is frame
    assert len(runs) == 2
    assert list(answers.answers_dir(engine).iterdir()) == []  # no file, no leftover


def test_a_damaged_answer_is_computed_again_and_replaced(engines):
    engine, calls = engines(), []
    computed = answers.remembered(engine, "t", ("s",), {}, counted(engine, calls))
    (path,) = answers.answers_dir(engine).glob("*.arrow")
    path.write_bytes(b"ARROW1 tronque")
    again = answers.remembered(engine, "t", ("s",), {}, counted(engine, calls))
    pd.testing.assert_frame_equal(again, computed)
    answers.remembered(engine, "t", ("s",), {}, counted(engine, calls))
    assert calls == ["taux_vacance"] * 2


def test_an_engine_without_a_file_or_a_folder_it_cannot_write_computes(engines, monkeypatch):
    engine, calls = engines(), []
    folder = answers.answers_dir(engine)
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root ignores the mode: a file in its way instead
            folder.chmod(0o700)
            folder.rmdir()
            folder.write_text("pas un dossier")
        for _ in range(2):
            answers.remembered(engine, "t", ("s",), {}, counted(engine, calls))
    finally:
        if folder.is_dir():
            folder.chmod(0o700)
    assert calls == ["taux_vacance"] * 2
    monkeypatch.setattr(engine, "database", None)
    answers.remembered(engine, "t", ("s",), {}, counted(engine, calls))
    assert len(calls) == 3


def test_the_bound_stops_keeping_answers_not_answering(engines, monkeypatch):
    engine, calls = engines(), []
    monkeypatch.setattr(answers, "MAX_ANSWERS", 1)
    answers.remembered(engine, "t", ("a",), {}, counted(engine, calls))
    answers.remembered(engine, "t", ("b",), {}, counted(engine, calls))
    answers.remembered(engine, "t", ("b",), {}, counted(engine, calls))
    answers.remembered(engine, "t", ("a",), {}, counted(engine, calls))
    assert calls == ["taux_vacance"] * 3  # b was not kept; a still is
    assert len(list(answers.answers_dir(engine).glob("*.arrow"))) == 1


def test_a_retired_engine_file_takes_its_answers_with_it(tmp_path):
    folder = tmp_path / ".moteur"
    folder.mkdir()
    files = []
    for age, key in enumerate(["ancien", "precedent", "courant"]):
        path = folder / f"enrichi-{key}.duckdb"
        path.write_bytes(b"")
        path.with_suffix(ANSWERS_SUFFIX).mkdir()
        (path.with_suffix(ANSWERS_SUFFIX) / "r.arrow").write_bytes(b"")
        os.utime(path, (time.time() - 100 + age, time.time() - 100 + age))
        files.append(path)
    _retire_old_files(folder, keep=files[-1])
    assert sorted(p.name for p in folder.iterdir()) == [
        "enrichi-courant.duckdb",
        "enrichi-courant.reponses",
        "enrichi-precedent.duckdb",
        "enrichi-precedent.reponses",
    ]


def test_the_screens_answers_outlive_their_process_and_stay_per_scope(engines, monkeypatch):
    """ui.shared.data keeps each DataFrame answer for the published state: once its process's
    memory is gone (a restart, another process), the same scope's request reads it; another
    scope's request is computed (a partner never reads an internal answer)."""
    from ui.shared import data

    engine = engines()
    monkeypatch.setattr(data, "engine", lambda: engine)
    calls = []
    real = data.evaluate

    def counting(eng, indicator_id, scope, **kwargs):
        calls.append(scope.role)
        return real(eng, indicator_id, scope, **kwargs)

    monkeypatch.setattr(data, "evaluate", counting)
    partner = Scope(
        "partenaire",
        epci=tuple(sorted(engine.fetch("SELECT DISTINCT code_epci FROM logements")["code_epci"]))[
            :1
        ],
    )
    data._indicator.clear()
    first = data.indicator("nb_logements", MANAGER, by=["epci"])
    data._indicator.clear()  # this process's memory is gone
    again = data.indicator("nb_logements", MANAGER, by=["epci"])
    masked = data.indicator("nb_logements", partner, by=["epci"])
    data._indicator.clear()
    assert calls == ["manager", "partenaire"]
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    pd.testing.assert_frame_equal(data.indicator("nb_logements", partner, by=["epci"]), masked)
    assert calls == ["manager", "partenaire"]
    data._indicator.clear()


# --- a registered dataclass (the map's MapData): its frames and its other fields ----------------


def test_the_map_is_kept_whole_and_read_back_equal_by_another_engine(engines):
    """`MapData` (the Carte's answer, 10 s on the France root) is kept like a frame: its frames
    one by one, then its other fields; another process reads it back equal, without computing."""
    from queries.map_data import MapData, map_data

    first, runs = engines(), []

    def compute(engine):
        def run():
            runs.append(1)
            return map_data(
                engine,
                MANAGER,
                residence_indicator="taux_vacance",
                commune_indicator="taux_vacance",
            )

        return run

    computed = answers.remembered(first, "carte", ("s",), {}, compute(first))
    read = answers.remembered(engines(), "carte", ("s",), {}, compute(first))
    assert runs == [1] and isinstance(read, MapData)
    for name in ("residences", "communes", "epci", "qpv"):
        pd.testing.assert_frame_equal(
            getattr(read, name), getattr(computed, name), check_exact=True
        )
    rest = ("snapshot", "previous_snapshot", "ignored_filters", "typology", "area_level")
    assert [getattr(read, n) for n in rest] == [getattr(computed, n) for n in rest]
    folder = answers.answers_dir(first)
    assert len(list(folder.glob("*.champs.json"))) == 1
    assert len(list(folder.glob("*.arrow"))) == 4  # one per frame field
    assert len(list(folder.glob("*.demande.json"))) == 1  # warming asks it again


def test_a_kept_dataclass_missing_a_part_or_not_registered_is_computed(engines):
    from dataclasses import dataclass

    from queries.map_data import map_data

    engine, runs = engines(), []

    def run():
        runs.append(1)
        return map_data(engine, MANAGER, residence_indicator="taux_vacance")

    answers.remembered(engine, "carte", ("s",), {}, run)
    folder = answers.answers_dir(engine)
    next(folder.glob("*.qpv.arrow")).unlink()  # one of its frames gone
    answers.remembered(engine, "carte", ("s",), {}, run)
    assert runs == [1, 1]  # computed again, and kept whole again
    answers.remembered(engine, "carte", ("s",), {}, run)
    assert runs == [1, 1]

    @dataclass(frozen=True)
    class Unregistered:
        frame: pd.DataFrame

    loose = Unregistered(pd.DataFrame({"a": [1]}))
    assert answers.remembered(engine, "x", ("s",), {}, lambda: loose) is loose
    assert len(list(folder.glob("*.champs.json"))) == 1  # the map's record only


def test_a_record_naming_a_type_that_is_not_registered_is_not_built(engines):
    """Reading back builds only registered dataclasses: a record edited to name another type is
    ignored and the answer computed."""
    import json

    from queries.map_data import map_data

    engine, runs = engines(), []

    def run():
        runs.append(1)
        return map_data(engine, MANAGER, residence_indicator="taux_vacance")

    answers.remembered(engine, "carte", ("s",), {}, run)
    (record,) = answers.answers_dir(engine).glob("*.champs.json")
    content = json.loads(record.read_text("utf-8"))
    record.write_text(json.dumps({**content, "type": "subprocess.Popen"}), "utf-8")
    answers.remembered(engine, "carte", ("s",), {}, run)
    assert runs == [1, 1]
