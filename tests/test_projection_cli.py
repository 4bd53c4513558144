"""`peuplement projection`: output, errors, and the secrecy of a partner's projections (demo)."""

from __future__ import annotations

import csv
import io

import pytest

from cli.main import main
from queries.engine import open_engine
from queries.evaluate import evaluate
from queries.forecast.history import evaluate_at, quarter_ends
from queries.sql.builder import QUARTER_TO_DATE
from semantic.catalogue import load_catalogue
from semantic.scope import Scope

pytestmark = pytest.mark.slow  # projections and back-tests on the full demo root

VOIRONNAIS = "243800984"  # the demo partner account's EPCI
PARTNER = Scope("partenaire", epci=(VOIRONNAIS,))


@pytest.fixture(scope="module")
def demo_engine(demo_root):
    engine = open_engine(demo_root)
    yield engine
    engine.close()


def _csv(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, list(csv.DictReader(io.StringIO(out))), err


def test_partner_departures_come_from_the_partners_perturbed_counts(capsys, demo_root, demo_engine):
    code, rows, err = _csv(
        capsys,
        "projection",
        "nb_departs",
        "--by",
        "epci",
        "--horizon",
        "2",
        "--role",
        "partenaire",
        "--territoires",
        VOIRONNAIS,
        "--data-dir",
        str(demo_root),
        "--format",
        "csv",
    )
    assert (code, err) == (0, "")
    assert [(r["epci"], r["trimestre"]) for r in rows] == [
        (VOIRONNAIS, "2026-12-31"),
        (VOIRONNAIS, "2027-03-31"),
    ]
    catalogue = load_catalogue()
    # The dwellings behind the projection are what `evaluate` shows this partner ...
    shown = evaluate(demo_engine, "taux_rotation", PARTNER, by=["epci"], catalogue=catalogue)
    assert int(rows[0]["logements"]) == int(shown["denominateur"].iloc[0])
    # ... and the departures are the sum of the partner's perturbed quarterly counts,
    quarters = [
        evaluate_at(
            demo_engine,
            catalogue,
            "taux_rotation",
            scope,
            day,
            by=("epci",),
            period=QUARTER_TO_DATE,
        )
        for scope in (PARTNER, Scope.internal())
        for day in quarter_ends(demo_engine)
    ]
    perturbed = sum(int(q["numerateur"].iloc[0]) for q in quarters[:13])
    exact = sum(int(q[q["epci"] == VOIRONNAIS]["numerateur"].iloc[0]) for q in quarters[13:])
    assert int(rows[0]["departs_historique"]) == perturbed
    assert perturbed != exact  # not the exact figures (1 127 departures in 13 quarters)


def test_partner_residences_rest_on_perturbed_counts_and_small_ones_are_masked(
    capsys, demo_root, demo_engine
):
    # A residence's departures are a ratio's numerator (taux_rotation): a partner sees them
    # perturbed, and a residence of fewer than 11 dwellings masked (effectif = dwellings).
    code, rows, _ = _csv(
        capsys,
        "projection",
        "nb_departs",
        "--by",
        "residence",
        "--horizon",
        "1",
        "--role",
        "partenaire",
        "--territoires",
        VOIRONNAIS,
        "--data-dir",
        str(demo_root),
        "--format",
        "csv",
    )
    assert code == 0
    catalogue = load_catalogue()
    history = [
        evaluate_at(
            demo_engine,
            catalogue,
            "taux_rotation",
            PARTNER,
            day,
            by=("residence",),
            period=QUARTER_TO_DATE,
        ).set_index("residence")
        for day in quarter_ends(demo_engine)
    ]
    masked = set().union(*(set(h.index[h["masque"]]) for h in history))
    assert masked and {r["residence"] for r in rows if r["masque"] == "true"} == masked
    assert all(r["attendu"] == "" for r in rows if r["masque"] == "true")
    first = next(r for r in rows if r["masque"] == "false")
    perturbed = sum(int(h.loc[first["residence"], "numerateur"]) for h in history)
    assert int(first["departs_historique"]) == perturbed


def test_internal_departures_by_residence_keep_the_pooled_model(capsys, demo_root):
    code, rows, _ = _csv(
        capsys,
        "projection",
        "nb_departs",
        "--by",
        "residence",
        "--horizon",
        "1",
        "--data-dir",
        str(demo_root),
        "--format",
        "csv",
    )
    assert code == 0
    assert all(r["methode"].startswith("taux mutualisé (EB)") for r in rows)
    first = rows[0]
    assert int(first["bas"]) <= float(first["attendu"]) <= int(first["haut"])


@pytest.mark.parametrize(
    "argv, message",
    [
        (["nb_menages", "--by", "epci"], "pas de projection pour « nb_menages »"),
        (["nb_departs", "--by", "epci", "--horizon", "9"], "horizon 9"),
        (["nb_departs", "--by", "batiment"], "choisir un seul de residence, commune, epci"),
        (["nb_departs", "--by", "epci", "--snapshot", "2025-12-31"], "--snapshot"),
    ],
)
def test_projection_errors_say_what_is_valid(capsys, tiny_root, argv, message):
    code = main(["projection", *argv, "--data-dir", str(tiny_root)])
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err


def test_backtest_figures_of_docs_anticipation(demo_engine):
    """The table of docs/anticipation.md, recomputed: when the demo or a method changes, the
    document must change with it."""
    from queries.forecast.backtest import run_backtest, verdicts

    results = run_backtest(demo_engine, load_catalogue(), Scope.internal())
    table = {(r.famille, r.methode): (round(r.mae, 3), r.n) for r in results}
    residence = "départs par trimestre (résidence)"
    epci = "départs par trimestre (epci)"
    path = "trajectoire : part sous 40 % PLUS à 1 an (points)"
    year_end = "objectifs T1/T2/T3 : valeur au 31/12 (points)"
    assert table[(residence, "taux mutualisé (EB)")] == (0.862, 1332)
    assert table[(residence, "taux propre")] == (0.877, 1332)
    assert table[(residence, "naïf : dernier trimestre")] == (1.042, 1332)
    assert table[(residence, "naïf : même trimestre N-1")] == (1.056, 1332)
    assert table[(epci, "taux mutualisé (EB)")] == (15.511, 12)
    assert table[(epci, "naïf : même trimestre N-1")] == (15.75, 12)
    assert table[(path, "naïf : part inchangée")] == (2.14, 332)
    assert table[(year_end, "naïf : 12 mois glissants")] == (3.736, 140)
    ageing = "vieillissement (résidence) : 75 ans et plus à 1 an (points)"
    ageing_epci = "vieillissement (epci) : 75 ans et plus à 1 an (points)"
    under = "vieillissement (résidence) : sous-occupation à 1 an (points)"
    under_epci = "vieillissement (epci) : sous-occupation à 1 an (points)"
    demands = "tendance : demandes actives par EPCI et typologie, par trimestre"
    allocations = "tendance : attributions par EPCI et typologie, par trimestre"
    assert table[(ageing, "naïf : part inchangée")] == (1.619, 332)
    assert table[(ageing_epci, "naïf : part inchangée")] == (0.356, 3)
    assert table[(demands, "naïf : dernier trimestre")] == (9.25, 72)
    assert table[(allocations, "naïf : même trimestre N-1")] == (4.028, 72)
    assert verdicts(results) == {
        residence: True,
        epci: True,
        path: False,
        ageing: False,  # 1.618 against 1.619: within the 1 % margin, a tie
        under: False,
        ageing_epci: True,
        under_epci: False,
        demands: False,
        allocations: True,
        year_end: True,
    }


def test_partner_ageing_rests_on_the_partners_perturbed_age_counts(capsys, demo_root, demo_engine):
    """The share of 75+ heads a partner's projection starts from is the one of their perturbed
    age counts. Shown on an EPCI where the noise moves that share (on some EPCIs every age
    group's noise is 0, and the two shares are then the same)."""
    catalogue = load_catalogue()
    snapshot = quarter_ends(demo_engine)[-1]

    def shares(scope):
        found = evaluate_at(
            demo_engine,
            catalogue,
            "nb_menages",
            scope,
            snapshot,
            by=("epci", "tranche_age_titulaire"),
        )
        return {
            str(epci): rows.set_index("tranche_age_titulaire")["valeur"].astype(float)
            for epci, rows in found.groupby("epci")
        }

    exact = shares(Scope.internal())
    moved = {}
    for epci, counts in exact.items():
        mine = shares(Scope("partenaire", epci=(epci,)))[epci]
        share = mine["75_plus"] / mine.sum()
        if share != pytest.approx(counts["75_plus"] / counts.sum()):
            moved[epci] = share
    assert moved, "the noise should move the 75+ share on at least one demo EPCI"
    epci, share = sorted(moved.items())[0]
    code, rows, err = _csv(
        capsys,
        *("projection", "part_titulaires_75_plus", "--by", "epci", "--horizon", "20"),
        *("--role", "partenaire", "--territoires", epci),
        *("--data-dir", str(demo_root), "--format", "csv"),
    )
    assert (code, err) == (0, "")
    assert [(r["epci"], r["annee"]) for r in rows] == [(epci, str(y)) for y in range(1, 6)]
    assert float(rows[0]["part_actuelle"]) == pytest.approx(share)
    assert all(r["methode"] for r in rows) and all(r["scenario"] for r in rows)


def test_partner_demand_trend_rests_on_the_partners_quarterly_counts(
    capsys, demo_root, demo_engine
):
    code, rows, err = _csv(
        capsys,
        *("projection", "nb_attributions", "--by", "epci", "--by", "nb_pieces"),
        *("--role", "partenaire", "--territoires", VOIRONNAIS),
        *("--data-dir", str(demo_root), "--format", "csv"),
    )
    assert (code, err) == (0, "")
    last = evaluate_at(
        demo_engine,
        load_catalogue(),
        "nb_attributions",
        PARTNER,
        quarter_ends(demo_engine)[-1],
        by=("epci", "nb_pieces"),
        period=QUARTER_TO_DATE,
    )
    shown = {int(r["nb_pieces"]): float(r["dernier"]) for r in rows}
    visible = last[~last["masque"]].set_index("nb_pieces")["valeur"]
    assert shown and set(shown) <= {int(k) for k in visible.index}  # no masked cell projected
    assert all(shown[k] == float(visible[k]) for k in shown)
    masked = {int(k) for k in last[last["masque"]]["nb_pieces"]}
    assert masked and not masked & set(shown)


def test_partner_year_end_shows_the_naive_value_its_label_names(demo_engine):
    """On the partner's own (perturbed) figures the year-end method does not beat the year to
    date; the value shown must then be the year to date, not the 12 months."""
    from queries.forecast.projection import year_end

    catalogue = load_catalogue()
    found = year_end(demo_engine, catalogue, PARTNER)
    assert len(found) and set(found["code"]) == {VOIRONNAIS}
    for row in found.to_dict("records"):
        if row["prevision"] or row["masque"]:
            continue
        naive = "valeur_annee" if "année à date" in row["methode"] else "valeur_12_mois"
        assert row["projection"] == row[naive]
        assert row["bas"] is None and row["haut"] is None
    t1 = found[found["indicateur"] == "part_attributions_q1_hors_qpv"].iloc[0]
    shown = evaluate(
        demo_engine,
        "part_attributions_q1_hors_qpv",
        PARTNER,
        snapshot=t1["date"],
        catalogue=catalogue,
    )
    assert t1["valeur_12_mois"] == pytest.approx(float(shown["valeur"].iloc[0]))  # protected
