"""Issue 12: a partner tries every differencing route on the demo data, for two partner scopes on
two EPCIs and two snapshots, and recovers no masked cell for sure.

The attacker (tests/secrecy_attacks.py) knows the method and its public noise amplitude. Against
exact figures (the perturbation switched off) the same attack recovers every cell it reaches —
that is what the portal did before the cell key method (46 cells on the latest snapshot).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from queries.engine import open_engine
from queries.evaluate import evaluate
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from tests import secrecy_attacks as attacks

VOIRONNAIS = "243800984"  # the demo partner account's EPCI
GRESIVAUDAN = "200018166"  # a second partner scope, another EPCI
METROPOLE = "200040715"
SNAPSHOTS = (dt.date(2026, 9, 30), dt.date(2025, 12, 31))
ROUTES = {"filtre", "num_den", "autres_valeurs", "periodes", "photographies", "objectifs", "carte"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_engine(demo_root):
    engine = open_engine(demo_root)
    yield engine
    engine.close()


def _attack(engine, epci: str, catalogue, snapshots=SNAPSHOTS) -> attacks.Attacker:
    att = attacks.Attacker(engine, Scope("partenaire", epci=(epci,)), catalogue)
    for snapshot in snapshots:
        previous = engine.snapshots[engine.snapshots.index(snapshot) - 1]
        for indicator in (
            "nb_menages",
            "nb_logements",
            "nb_attributions",
            "nb_departs",
            "part_attributions_prioritaires",
            "part_attributions_dalo",
        ):
            attacks.complement_by_filter(att, indicator, epci, snapshot)
        for indicator in ("nb_attributions", "part_attributions_prioritaires"):
            attacks.complement_by_filter(att, indicator, epci, snapshot, period="ytd")
        for indicator in ("nb_menages", "nb_attributions"):
            for dimension in ("reservataire", "financement"):
                attacks.complement_by_other_values(att, indicator, dimension, snapshot)
        for indicator in ("nb_attributions", "nb_departs"):
            attacks.period_arithmetic(att, indicator, snapshot)
            attacks.quarter_from_snapshots(att, indicator, snapshot, previous)
        attacks.target_siblings(att, epci, snapshot)
        attacks.map_against_table(att, epci, snapshot)
    return att


@pytest.fixture(scope="module")
def perturbed(demo_engine):
    catalogue = load_catalogue()
    return {epci: _attack(demo_engine, epci, catalogue) for epci in (VOIRONNAIS, GRESIVAUDAN)}


@pytest.fixture(scope="module")
def exact(demo_engine):
    """The same portal with a noise of 0 on every cell: masking alone, as before issue 12."""
    catalogue = load_catalogue()
    secrecy = catalogue.parameters.secret_statistique
    off = secrecy.perturbation.model_copy(update={"bruit": {0: 1.0}})
    parameters = catalogue.parameters.model_copy(
        update={"secret_statistique": secrecy.model_copy(update={"perturbation": off})}
    )
    catalogue = dataclasses.replace(catalogue, parameters=parameters)
    return {
        epci: _attack(demo_engine, epci, catalogue, SNAPSHOTS[:1])
        for epci in (VOIRONNAIS, GRESIVAUDAN)
    }


@pytest.mark.parametrize("epci", [VOIRONNAIS, GRESIVAUDAN])
def test_no_masked_cell_is_recovered_by_any_route(perturbed, epci):
    att = perturbed[epci]
    found = attacks.summary(att)
    print(epci, found)  # kept in the test log: equations per route, point-estimate coincidences
    assert found["recovered"] == 0, att.recovered()
    assert found["recovered_ratios"] == 0, att.recovered_ratios()
    assert found["shown_under_threshold"] == 0, att.shown_small


def test_every_route_was_tried(perturbed):
    tried = set().union(*(att.attempts for att in perturbed.values()))
    assert tried == ROUTES
    assert sum(len(att.intervals) for att in perturbed.values()) >= 60


@pytest.mark.parametrize("epci", [VOIRONNAIS, GRESIVAUDAN])
def test_the_same_attack_recovers_every_cell_of_exact_figures(exact, epci):
    """The attack is no strawman: on exact figures every equation pins its cell."""
    att = exact[epci]
    assert att.amplitude == 0
    assert len(att.recovered()) == len(att.intervals) >= 20
    assert len(att.recovered_ratios()) >= 1


def _gaps(engine, epci, indicator, period, snapshot):
    """(partner − exact, the bound the noise allows) of one EPCI's rate, read by its partner."""
    partner = evaluate(
        engine, indicator, Scope("partenaire", epci=(epci,)), period=period, snapshot=snapshot
    ).iloc[0]
    exact = evaluate(
        engine,
        indicator,
        Scope.internal(),
        where={"epci": [epci]},
        period=period,
        snapshot=snapshot,
    ).iloc[0]
    if pd.isna(exact["valeur"]):  # no allocation in the group (T2 of an EPCI without QPV)
        assert pd.isna(partner["valeur"])
        return 0.0, 0.0, 0
    amplitude = attacks.noise_amplitude(load_catalogue())
    # |(k + a) / (n + b) − k / n| <= (|a| + r |b|) / (n + b) with |a|, |b| <= amplitude
    bound = amplitude * (1 + exact["valeur"]) / partner["denominateur"]
    return abs(partner["valeur"] - exact["valeur"]), bound, int(exact["denominateur"])


@pytest.mark.parametrize("period", ["rolling12", "ytd"])
def test_epci_headline_targets_move_within_the_noise_bound(demo_engine, period):
    """T1, T2 and T3 (all contingents together) of each EPCI on the latest snapshot, as a partner
    of that EPCI reads them: never further from the exact rate than the noise allows. The printed
    maximum is the figure the issue asks for (1 point was the wish; on the demo it holds but for
    T1 of the Voironnais year to date, 39/122 read as 38/123: 1.07 points — one allocation is
    already 0.8 point there)."""
    gaps = {
        (epci, indicator): _gaps(demo_engine, epci, indicator, period, demo_engine.latest)
        for epci in (VOIRONNAIS, GRESIVAUDAN, METROPOLE)
        for indicator in (
            "part_attributions_q1_hors_qpv",
            "part_attributions_non_q1_en_qpv",
            "part_attributions_prioritaires",
        )
    }
    print(period, "max", max(g[0] for g in gaps.values()), gaps)
    assert all(gap <= bound + 1e-12 for gap, bound, _ in gaps.values())
    assert max(g[0] for g in gaps.values()) > 0  # partners do get perturbed figures
    # where a denominator is large, the rate barely moves
    assert all(gap <= 0.01 for gap, _, den in gaps.values() if den >= 200)


def test_the_same_cell_gets_the_same_noise_whatever_the_query(demo_engine):
    """Consistency: a residence's figure is the same alone, in its commune's breakdown, in the
    EPCI's breakdown and on the map."""
    partner = Scope("partenaire", epci=(VOIRONNAIS,))
    by_residence = evaluate(demo_engine, "nb_logements", partner, by=["residence"])
    shown = by_residence[~by_residence["masque"]].iloc[0]
    alone = evaluate(
        demo_engine, "nb_logements", partner, where={"residence": [shown["residence"]]}
    )
    assert int(alone.iloc[0]["effectif"]) == int(shown["effectif"])
    from queries.places import residences

    on_map = residences(demo_engine, partner).set_index("residence")
    assert int(on_map.loc[shown["residence"], "nb_logements"]) == int(shown["effectif"])
