"""T1/T2 rated with and without mutations side by side, on the tiny data (tests/tiny_data.py).

At the last snapshot (2025-12-31) the calendar year and the rolling 12 months are both 2025:
- T1 in E1, outside QPV: A5 (first quartile) and A6 (not, a mutation) -> 1 / 2 with mutations,
  1 / 1 without;
- T2 in E1, in QPV: A1 (not first quartile, a mutation) and A7 (first quartile) -> 1 / 2 with,
  0 / 1 without (one more non-Q1 allocation needed);
- T1 in E2: A2 (quartile unknown) and A3 (ANRU rehousing), neither a mutation -> 1 / 2 both ways.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from cli.main import main
from queries.engine import open_engine
from queries.targets import evaluate_targets
from semantic.catalogue import load_catalogue
from semantic.errors import DefinitionError
from semantic.scope import Scope
from tests.test_definitions import _copy
from tests.tiny_data import E1, E2, S3, write_tiny_root
from ui.screens.objectifs.target_cards import (
    cards,
    overview_table,
    period_lines,
    without_mutations_line,
)

WITHOUT = [
    "valeur_hors_mutations",
    "numerateur_hors_mutations",
    "denominateur_hors_mutations",
    "statut_hors_mutations",
    "manquants_hors_mutations",
]


def _figures(df, objectif: str) -> list[tuple]:
    rows = df[df["objectif_id"] == objectif].sort_values("periode")
    assert len(rows) == 2
    return [
        (r["periode"], r["valeur"], r["statut"], *(r[c] for c in WITHOUT))
        for r in rows.to_dict("records")
    ]


def test_t1_t2_with_and_without_mutations(tiny_engine):
    df = evaluate_targets(tiny_engine, Scope.internal())
    for period in ("annee_en_cours", "glissant_12_mois"):
        assert (period, 0.5, "atteint", 1.0, 1, 1, "atteint", 0) in _figures(df, f"T1-{E1}")
        assert (period, 0.5, "atteint", 0.0, 0, 1, "non_atteint", 1) in _figures(df, f"T2-{E1}")
        assert (period, 0.5, "atteint", 0.5, 1, 2, "atteint", 0) in _figures(df, f"T1-{E2}")
    # T3 is not among the indicators split by mutation: its columns stay empty
    t3 = df[df["indicateur"] == "part_attributions_prioritaires"]
    assert len(t3) > 0 and t3[WITHOUT].isna().all().all()


def test_a_target_already_filtered_on_mutation_is_not_split(tmp_path):
    root = write_tiny_root(tmp_path)
    (root / "objectifs.yaml").write_text(
        textwrap.dedent(
            f"""
            objectifs:
              - id: cia-t1-mutations
                indicateur: part_attributions_q1_hors_qpv
                territoire: {{echelle: epci, code: "{E1}"}}
                filtres: {{mutation: [true]}}
                annee: 2025
                sens: ">="
                cible: 0.25
                source: CIA test
            """
        ),
        encoding="utf-8",
    )
    df = evaluate_targets(open_engine(root), Scope.internal())
    local = df[df["objectif_id"] == "cia-t1-mutations"]
    # A6 is the only mutation outside QPV in E1, not first quartile
    assert local["valeur"].tolist() == [0.0, 0.0]
    assert local[WITHOUT].isna().all().all()


def test_partners_never_see_the_figure_without_mutations_on_small_cells(tiny_engine):
    df = evaluate_targets(tiny_engine, Scope(role="partenaire", epci=(E1,)))
    row = df[(df["objectif_id"] == f"T2-{E1}") & (df["periode"] == "glissant_12_mois")].iloc[0]
    assert (row["statut"], row["statut_hors_mutations"]) == ("secret", "secret")
    assert row[WITHOUT[:3] + WITHOUT[4:]].isna().all()


def test_cli_objectifs_shows_both_figures(capsys, tiny_root):
    assert main(["objectifs", "--data-dir", str(tiny_root), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    t2 = [r for r in rows if r["objectif_id"] == f"T2-{E1}"]
    assert [(r["valeur"], r["valeur_hors_mutations"], r["statut_hors_mutations"]) for r in t2] == [
        (0.5, 0.0, "non_atteint")
    ] * 2
    assert main(["objectifs", "--data-dir", str(tiny_root), "--format", "table"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header[-2:] == ["valeur_hors_mutations", "statut_hors_mutations"]
    assert header[:3] == ["objectif_id", "territoire", "filtres"]


@pytest.mark.parametrize(
    ("listed", "message"),
    [
        ("part_attributions_q1_hors_qpvv", "indicateur inconnu « part_attributions_q1_hors_qpvv »"),
        ("nb_logements", "nb_logements ne se découpe pas par mutation"),
    ],
)
def test_the_list_of_split_indicators_is_checked(tmp_path, listed, message):
    defs = _copy(tmp_path)
    path = defs / "parametres.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "avec_et_sans_mutations: [part_attributions_q1_hors_qpv,",
            f"avec_et_sans_mutations: [{listed},",
        ),
        encoding="utf-8",
    )
    load_catalogue.cache_clear()
    with pytest.raises(DefinitionError) as err:
        load_catalogue(defs)
    load_catalogue.cache_clear()
    assert any(message in p for p in err.value.problems), err.value.problems


def test_target_cards_show_the_figure_without_mutations(tiny_engine):
    df = evaluate_targets(tiny_engine, Scope.internal())
    by_id = {card.objectif_id: card for card in cards(df, load_catalogue())}
    t2 = by_id[f"T2-{E1}"]
    lines = period_lines(t2.rows[0], t2, S3)
    # the legal figure first, then the one without mutations (French spacing: narrow nbsp)
    assert lines[1:3] == ["1 sur 2", "Hors mutations : **0,0\u202f%** (0 sur 1), non atteint"]
    t3 = by_id[f"T3-{E1}-etat"]
    assert not any("Hors mutations" in line for line in period_lines(t3.rows[0], t3, S3))
    partner = evaluate_targets(tiny_engine, Scope(role="partenaire", epci=(E1,)))
    row = partner[partner["objectif_id"] == f"T1-{E1}"].iloc[0].to_dict()
    assert (
        without_mutations_line(row, "ratio")
        == "Hors mutations : secret statistique (moins de 11 ménages ou attributions)"
    )


def test_the_table_of_every_target_shows_the_value_without_mutations(tiny_engine):
    df = evaluate_targets(tiny_engine, Scope.internal())
    table = overview_table(df, load_catalogue())
    # targets named by their labels and territory (issue 21: no ids on screen); E1 is the Métropole
    key = table["Objectif"] + " | " + table["Territoire"] + " | " + table["Période"]
    shown = dict(zip(key, table["Hors mutations"], strict=True))
    metro = "Grenoble-Alpes-Métropole"
    assert shown[f"T2 | {metro} | 12 derniers mois"] == "0,0\u202f%"
    assert shown[f"T1 | {metro} | Année civile en cours"] == "100,0\u202f%"
    assert shown[f"T3 · État (contingent préfectoral) | {metro} | 12 derniers mois"] == "—"
    partner = evaluate_targets(tiny_engine, Scope(role="partenaire", epci=(E1,)))
    masked = overview_table(partner, load_catalogue())
    t1 = (masked["Objectif"] == "T1") & (masked["Territoire"] == metro)
    assert t1.sum() == 2 and set(masked.loc[t1, "Hors mutations"]) == {"< 11"}
