"""Indicators on the optional inputs of the data contract (issue 15): CALEOL propositions, cotation,
délai anormalement long, all landlords' allocations. Hand-computed on the tiny root
(tests/tiny_data.py) with those inputs added at S3 = 2025-12-31 (period 2025-01-01 … 2025-12-31),
and shown "non disponible pour ces données" — never 0 — where the data has not the input.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cli.main import main
from queries.comparisons import compare
from queries.engine import open_engine
from queries.errors import UnavailableIndicatorError
from queries.evaluate import evaluate
from queries.series import series
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from tests.tiny_data import C1, C2, C3, E1, E2, S1, S2, S3, write_tiny_root

D = dt.date
ALL = Scope.internal("manager")
NEW = {
    "nb_propositions": ("propositions",),
    "taux_refus_propositions": ("propositions",),
    "nb_refus_propositions": ("propositions",),
    "part_logements_3_candidats": ("propositions",),
    "cotation_mediane_demandes": ("demandes.cotation",),
    "cotation_mediane_attributions": ("attributions.cotation",),
    "part_attributions_delai_anormal": ("delais_anormaux",),
    "nb_demandes_delai_anormal": ("delais_anormaux",),
    "pression_demande_territoire": ("attributions_territoire",),
}

# Four CALEOL sessions in 2025 and one in 2024 (outside S3's period).
# L01 (QPV, E1), L07 and L08 (E1, outside QPV), L10 (E2), L03 (QPV, E1).
PROPOSITIONS = [
    # session L08 2025-02-20: three candidates, the first refused (localisation)
    ("P01", "DM1", "L08", D(2025, 2, 20), "refusee_demandeur", "localisation"),
    ("P02", "X1", "L08", D(2025, 2, 20), "acceptee", None),
    ("P03", "X2", "L08", D(2025, 2, 20), "attribution", None),
    # session L07 2025-12-10: two candidates only
    ("P04", "Y1", "L07", D(2025, 12, 10), "acceptee", None),
    ("P05", "Y2", "L07", D(2025, 12, 10), "non_attribution", None),
    # session L10 2025-06-20: four candidates
    ("P06", "Z1", "L10", D(2025, 6, 20), "acceptee", None),
    ("P07", "Z2", "L10", D(2025, 6, 20), "refusee_demandeur", "loyer_charges"),
    ("P08", "Z3", "L10", D(2025, 6, 20), "rejet_irrecevabilite", None),
    ("P09", "Z4", "L10", D(2025, 6, 20), "attribution_sous_condition", None),
    # session L01 2025-06-01 (QPV): two refusals before the acceptance
    ("P10", "W1", "L01", D(2025, 6, 1), "refusee_demandeur", "localisation"),
    ("P11", "W2", "L01", D(2025, 6, 1), "refusee_demandeur", "localisation"),
    ("P12", "W3", "L01", D(2025, 6, 1), "acceptee", None),
    # 2024: one candidate, outside the period of S3
    ("P13", "V1", "L03", D(2024, 10, 1), "acceptee", None),
]
DEMANDES_COTATION = {"DM1": 40.0, "DM2": 75.0, "DM3": 12.0, "DM4": 130.0}
# A6's score is unknown; A4 and A8 were signed before 2025
ATTRIBUTIONS_COTATION = {
    "A1": 20.0,
    "A2": 150.0,
    "A3": 90.0,
    "A4": 99.0,
    "A5": 35.0,
    "A6": None,
    "A7": 110.0,
    "A8": 5.0,
}
TERRITORY = [(2025, C1, 30), (2025, C2, 10), (2025, C3, 8), (2024, C1, 25)]


def _add_column(path, name, values: dict, key: str) -> None:
    table = pq.read_table(path)
    ids = table.column(key).to_pylist()
    pq.write_table(
        table.append_column(name, pa.array([values[i] for i in ids], pa.float64())), path
    )


def write_optional_root(root, snapshots=(S3,)):
    """The tiny root, plus: propositions and cotation columns in `snapshots`, délai of the
    département 38 (24 months), all landlords' allocations of 2024 and 2025."""
    write_tiny_root(root)
    ref = root / "reference"
    pq.write_table(
        pa.table({"code_departement": ["38"], "delai_mois": pa.array([24], pa.int64())}),
        ref / "delais_anormaux.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "annee": pa.array([r[0] for r in TERRITORY], pa.int64()),
                "code_commune": [r[1] for r in TERRITORY],
                "nb_attributions": pa.array([r[2] for r in TERRITORY], pa.int64()),
            }
        ),
        ref / "attributions_territoire.parquet",
    )
    for snapshot in snapshots:
        folder = root / "snapshots" / f"date={snapshot.isoformat()}"
        rows = [r for r in PROPOSITIONS if r[3] <= snapshot]
        names = ("id_proposition", "id_demande", "id_logement", "date_commission", "issue")
        columns = {n: [r[i] for r in rows] for i, n in enumerate(names)}
        columns["date_commission"] = pa.array(columns["date_commission"], pa.date32())
        columns["motif_refus"] = pa.array([r[5] for r in rows], pa.string())
        pq.write_table(pa.table(columns), folder / "propositions.parquet")
        _add_column(folder / "demandes.parquet", "cotation", DEMANDES_COTATION, "id_demande")
        _add_column(
            folder / "attributions.parquet", "cotation", ATTRIBUTIONS_COTATION, "id_attribution"
        )
    return root


@pytest.fixture(scope="module")
def optional_root(tmp_path_factory):
    return write_optional_root(tmp_path_factory.mktemp("optional"))


@pytest.fixture(scope="module")
def engine(optional_root):
    eng = open_engine(optional_root)
    yield eng
    eng.close()


def _by(df, key):
    return {
        r[key]: (r["valeur"], r["numerateur"], r["denominateur"]) for r in df.to_dict("records")
    }


def test_the_root_with_every_optional_input_follows_the_contract(optional_root):
    from ingest.validate import validate_root

    assert validate_root(optional_root) == []


def test_each_new_indicator_declares_the_optional_input_it_reads():
    from dataroot.contract import OPTIONAL_INPUTS

    catalogue = load_catalogue()
    for indicator, needed in NEW.items():
        assert catalogue.indicator(indicator).requires == needed
        assert set(needed) <= set(OPTIONAL_INPUTS)


def test_propositions_counted_by_outcome(engine):
    # 12 candidacies in 2025 (P13 was examined in 2024)
    by_issue = evaluate(engine, "nb_propositions", ALL, by=["issue"])
    assert dict(zip(by_issue["issue"], by_issue["valeur"], strict=True)) == {
        "acceptee": 4,
        "attribution": 1,
        "attribution_sous_condition": 1,
        "non_attribution": 1,
        "refusee_demandeur": 4,
        "rejet_irrecevabilite": 1,
    }
    assert evaluate(engine, "nb_propositions", ALL)["valeur"].iloc[0] == 12


def test_refusal_rate_among_the_propositions_answered(engine):
    # answered: 4 accepted + 4 refused; in QPV (L01): W1, W2 refused, W3 accepted
    total = evaluate(engine, "taux_refus_propositions", ALL).iloc[0]
    assert (total["valeur"], total["numerateur"], total["denominateur"]) == (0.5, 4, 8)
    by_qpv = evaluate(engine, "taux_refus_propositions", ALL, by=["en_qpv"])
    assert _by(by_qpv, "en_qpv") == {True: (pytest.approx(2 / 3), 2, 3), False: (0.4, 2, 5)}


def test_refusals_by_reason(engine):
    df = evaluate(engine, "nb_refus_propositions", ALL, by=["motif_refus"])
    counted = {m: v for m, v in zip(df["motif_refus"], df["valeur"], strict=True) if v}
    assert counted == {"localisation": 3, "loyer_charges": 1}


def test_share_of_dwellings_examined_with_three_candidates(engine):
    # sessions of 2025: L08 (3), L07 (2), L10 (4), L01 (3); L03's of 2024 is out of the period
    total = evaluate(engine, "part_logements_3_candidats", ALL).iloc[0]
    assert (total["valeur"], total["numerateur"], total["denominateur"]) == (0.75, 3, 4)
    by_epci = evaluate(engine, "part_logements_3_candidats", ALL, by=["epci"])
    assert _by(by_epci, "epci") == {E1: (pytest.approx(2 / 3), 2, 3), E2: (1.0, 1, 1)}


def test_median_cotation_of_active_and_attributed_demands(engine):
    active = evaluate(engine, "cotation_mediane_demandes", ALL, by=["epci"])
    # E1: DM1 40, DM2 75, DM3 12 -> 40; E2: DM4 130
    assert dict(zip(active["epci"], active["valeur"], strict=True)) == {E1: 40.0, E2: 130.0}
    assert evaluate(engine, "cotation_mediane_demandes", ALL)["valeur"].iloc[0] == 57.5
    # 2025 leases with a known score: A1 20, A2 150, A3 90, A5 35, A7 110 (A6 unknown) -> 90
    attributed = evaluate(engine, "cotation_mediane_attributions", ALL).iloc[0]
    assert (attributed["valeur"], attributed["effectif"]) == (90.0, 5)


def test_abnormally_long_wait_against_the_departement_threshold(engine):
    # 24 months = 730.5 days: of the 2025 leases only A7 waited longer (2022-06-15 -> 2025-06-15)
    share = evaluate(engine, "part_attributions_delai_anormal", ALL, by=["epci"])
    assert _by(share, "epci") == {E1: (0.25, 1, 4), E2: (0.0, 0, 2)}
    # active demands at S3: only DM2 (filed 2023-11-20, 772 days) is past 24 months
    count = evaluate(engine, "nb_demandes_delai_anormal", ALL, by=["epci"])
    assert dict(zip(count["epci"], count["valeur"], strict=True)) == {E1: 1, E2: 0}


def test_pressure_over_all_landlords_allocations_of_the_last_complete_year(engine):
    # S3 is a 31 December: the allocations of 2025. E1: 3 demands / (30 + 10); E2: 1 / 8
    at_s3 = evaluate(engine, "pression_demande_territoire", ALL, by=["epci"])
    assert _by(at_s3, "epci") == {E1: (3 / 40, 3, 40), E2: (1 / 8, 1, 8)}
    # this landlord alone: 3 demands over its own 4 allocations of the period in E1
    own = evaluate(engine, "pression_demande", ALL, by=["epci"])
    assert _by(own, "epci")[E1] == (0.75, 3, 4)
    # S2 (30 September 2025) takes 2024, known for Grenoble only: no ratio elsewhere, not 0
    at_s2 = evaluate(engine, "pression_demande_territoire", ALL, by=["commune"], snapshot=S2)
    values = _by(at_s2, "commune")
    assert values[C1] == (2 / 25, 2, 25)
    assert values[C2][1:] == (1, 0) and pd.isna(values[C2][0])


def test_partners_see_new_counts_perturbed_and_small_cells_masked(engine):
    partner = Scope(role="partenaire", epci=(E1,))
    df = evaluate(engine, "nb_propositions", partner)
    assert bool(df["masque"].iloc[0])  # 8 candidacies in E1: under the threshold of 11
    assert evaluate(engine, "taux_refus_propositions", partner)["masque"].iloc[0]


@pytest.mark.parametrize("indicator", sorted(NEW))
def test_without_its_input_an_indicator_is_unavailable_not_zero(tiny_engine, indicator):
    with pytest.raises(UnavailableIndicatorError, match="non disponible pour ces données"):
        evaluate(tiny_engine, indicator, ALL)


def test_an_input_present_in_one_snapshot_only(engine, capsys):
    # propositions and cotation columns are in S3 only: S1 and S2 have no value, not a 0
    with pytest.raises(UnavailableIndicatorError, match="2025-09-30"):
        evaluate(engine, "taux_refus_propositions", ALL, snapshot=S2)
    dates = series(engine, "taux_refus_propositions", ALL)["date"]
    assert [d.date() for d in dates] == [S3]
    compared = compare(engine, "taux_refus_propositions", ALL).iloc[0]
    assert compared["valeur"] == 0.5 and compared["date_precedente"] is None
    assert pd.isna(compared["valeur_un_an"]) and pd.isna(compared["evolution"])
    # the reference inputs hold for every snapshot
    assert evaluate(engine, "nb_demandes_delai_anormal", ALL, snapshot=S1)["valeur"].iloc[0] == 0


def test_cli_says_unavailable_and_catalogue_lists_the_new_indicators(tiny_root, capsys):
    code = main(["evaluate", "taux_refus_propositions", "--data-dir", str(tiny_root)])
    err = capsys.readouterr().err
    assert code == 2 and "non disponible pour ces données" in err and "propositions" in err
    assert main(["catalogue", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    for indicator, needed in NEW.items():
        line = next(row for row in out.splitlines() if row.startswith(indicator + ","))
        assert needed[0] in line, indicator


def test_engine_lists_the_snapshots_that_have_an_input(engine, tiny_engine):
    assert engine.inputs_for(("propositions",)) == [S3]
    assert engine.inputs_for(("delais_anormaux", "attributions_territoire")) == [S1, S2, S3]
    assert engine.inputs_for(()) == [S1, S2, S3]
    assert tiny_engine.inputs_for(("demandes.cotation",)) == []


def test_catalogue_page_card_names_the_optional_input():
    from ui.screens.catalogue.catalogue_view import entries, entry_markdown

    cards = {e.id: entry_markdown(e) for e in entries(load_catalogue())}
    assert "- **Données facultatives** : `propositions`" in cards["taux_refus_propositions"]
    assert "Données facultatives" not in cards["pression_demande"]


def test_dashboard_lists_an_unavailable_indicator_as_not_shown_with_the_reason(
    monkeypatch, tiny_root
):
    from ui.shared import kpi_table
    from ui.shared.filters import Selection

    monkeypatch.setenv("PEUPLEMENT_DATA_DIR", str(tiny_root))
    table = kpi_table.kpi_table(
        ALL,
        Selection(snapshot=S3, scale="epci"),
        ["nb_logements", "taux_refus_propositions"],
        load_catalogue(),
    )
    assert set(table.rows["indicateur"]) == {"nb_logements"}  # no row of 0 for the other
    assert table.skipped == {
        "taux_refus_propositions": "non disponible pour ces données "
        "(entrée facultative absente : propositions)"
    }
