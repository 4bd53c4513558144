"""Aide à l'attribution on the tiny root of tests/tiny_allocation_data.py (tiny_data at 2025-12-31
plus residence R4, vacant L31/L33 and demands DA1–DA6). Every value below is worked out by hand.

Facts used throughout (E1 = Grenoble-Alpes-Métropole, calendar year 2025 to 2025-12-31):
- T1 of E1: allocations outside QPV = A5 (L08, first quartile) and A6 (L07, not) -> k/n = 1/2.
- T2 of E1: allocations in QPV = A1 (L05, not first quartile) and A7 (L01, first quartile) -> 1/2.
- T3 of E1, contingent collectivite: A1 only, neither DALO nor priority -> 0/1; etat: A7 -> 1/1.
- R4 (enjeu_mixite): 3 fragile households of 12 (H01, H02, H12), none under 40 % of PLUS; its floor
  1 holds 11 households, 2 fragile. R1 (enjeu_mixite): 2 fragile of 4; R2: 1 of 2 (M06).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from queries.allocation import (
    CANDIDATE_COLUMNS,
    IMPACT_COLUMNS,
    AllocationAccessError,
    candidates,
    impacts,
    vacant_dwellings,
)
from queries.engine import open_engine
from queries.errors import InvalidValueError
from semantic.catalogue import load_catalogue
from semantic.models import AtLeast
from semantic.scope import Scope
from tests.tiny_allocation_data import E1_LOCAL_T1, write_allocation_root
from tests.tiny_data import C1, E1, E2

OFFICER = Scope.internal("charge_clientele")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = open_engine(write_allocation_root(tmp_path_factory.mktemp("allocation")))
    yield engine
    engine.close()


def _by_id(df: pd.DataFrame) -> dict:
    return {r["id_demande"]: r for r in df.to_dict("records")}


def _figures(row: dict, group: str) -> tuple:
    return tuple(row[f"{group}_{f}"] for f in ("num_avant", "den_avant", "num_apres", "den_apres"))


# --- vacant dwellings ---------------------------------------------------------------------------


def test_vacant_dwellings_with_their_residence_profile(engine):
    df = vacant_dwellings(engine, OFFICER)
    assert list(df["id_logement"]) == ["L04", "L08", "L31", "L33"]
    rows = {r["id_logement"]: r for r in df.to_dict("records")}
    assert rows["L04"]["jours_vacance"] == 92  # vacant since 2025-09-30
    assert (rows["L31"]["residence"], rows["L31"]["etage"], rows["L31"]["loyer_mensuel"]) == (
        "R4",
        1,
        460.0,
    )
    # R1: 4 households, M01 and M02 fragile, M01 (0.388) and M02 (0.311) under 40 % of 3 known RFR
    assert rows["L04"]["residence_nb_menages"] == 4
    assert rows["L04"]["residence_part_fragiles"] == 0.5
    assert rows["L04"]["residence_part_sous_40pc"] == pytest.approx(2 / 3)
    # R2: M05 and M06, M06 fragile (inactive + APL), neither under 40 %
    assert (rows["L08"]["residence_part_fragiles"], rows["L08"]["residence_part_sous_40pc"]) == (
        0.5,
        0.0,
    )
    # R4: 3 of 12 fragile
    assert (rows["L33"]["residence_nb_menages"], rows["L33"]["residence_part_fragiles"]) == (
        12,
        0.25,
    )


def test_vacant_dwellings_filters_and_scope(engine):
    pli = vacant_dwellings(engine, OFFICER, where={"financement": ["PLI"]})
    assert list(pli["id_logement"]) == ["L33"]
    r4 = vacant_dwellings(engine, OFFICER, where={"residence": ["R4"], "nb_pieces": [3]})
    assert list(r4["id_logement"]) == ["L31", "L33"]
    grenoble = Scope(role="charge_clientele", communes=(C1,))
    assert list(vacant_dwellings(engine, grenoble)["id_logement"]) == ["L04"]
    assert vacant_dwellings(engine, Scope(role="manager", epci=(E2,))).empty  # nothing vacant in E2


# --- candidates ---------------------------------------------------------------------------------


def test_candidates_that_fit_the_dwelling(engine):
    # L08: Saint-Martin-d'Hères, 3 rooms, 65 m², PLUS, 450 €/month
    df = candidates(engine, OFFICER, "L08")
    assert list(df.columns) == CANDIDATE_COLUMNS
    # DA1: 4 persons, 16 800 <= 44 982 (PLUS cat. 4), 450 / 1 400 = 32.1 %; DA2: 26 400 <= 30 984,
    # 20.5 %; DM3: 24 000 <= 30 984, 22.5 %. Demands are listed by number: the page sorts.
    assert list(df["id_demande"]) == ["DA1", "DA2", "DM3"]
    assert df["convient"].all() and (df["motifs"] == "").all()
    da1 = _by_id(df)["DA1"]
    assert da1["taux_effort"] == pytest.approx(450 / 1400)
    assert da1["anciennete_demande_mois"] == 11  # 355 days / 30.4375
    assert bool(da1["premier_quartile"]) and bool(da1["prioritaire"])
    assert da1["revenu_annuel_estime"] == 16800 and da1["plafond_ressources"] == 44982
    assert da1["controle_plafond"] == "PLUS 2025, catégorie 4, zone autres : 44 982 €"
    assert set(df["taux_effort_max"]) == {0.35}
    assert "revenu_mensuel × 12" in df.attrs["hypotheses"]


def test_non_fitting_demands_come_with_every_reason(engine):
    df = candidates(engine, OFFICER, "L08", include_non_fitting=True)
    assert sorted(df["id_demande"]) == [
        "DA1",
        "DA2",
        "DA3",
        "DA4",
        "DA5",
        "DA6",
        "DM1",
        "DM2",
        "DM3",
    ]  # DM4 wishes Voiron, in another EPCI
    motifs = dict(zip(df["id_demande"], df["motifs"], strict=True))
    # 8 persons: s(8) = 16 + 9 x 6 = 70 m² > 65 m²
    assert motifs["DA3"] == "sur-occupation : 65 m² pour 8 personnes (minimum 70 m²)"
    # 2 700 x 12 = 32 400 > 30 984, PLUS 2025 category 2
    assert motifs["DA4"] == (
        "revenus au-dessus du plafond PLUS (32 400 €/an estimés = 2 700 €/mois × 12 ; "
        "plafond 30 984 €, catégorie 2, 2025)"
    )
    assert motifs["DA5"] == "taux d'effort 45 % > 35 %"  # 450 / 1 000
    assert motifs["DA6"] == "taux d'effort 38 % > 35 %"  # 450 / 1 200 = 37.5 %
    # DM1 wishes Grenoble; 1 person in 3 rooms; 450 / 700 = 64.3 %
    assert motifs["DM1"] == (
        "commune souhaitée : Grenoble (logement à Saint-Martin-d'Hères) ; "
        "sous-occupation : 3 pièces pour 1 personne (maximum 2) ; taux d'effort 64 % > 35 %"
    )
    fits = dict(zip(df["id_demande"], df["convient"], strict=True))
    assert [i for i, ok in fits.items() if ok] == ["DA1", "DA2", "DM3"]
    # 8 persons: category 6 plus 2 persons, 59 636 + 2 x 6 652 = 72 940
    da3 = _by_id(df)["DA3"]
    assert da3["plafond_ressources"] == 72940
    assert da3["controle_plafond"] == "PLUS 2025, catégorie 6 + 2 personnes, zone autres : 72 940 €"


def test_rent_burden_threshold_is_a_parameter(engine):
    df = candidates(engine, OFFICER, "L08", rent_burden_max=0.40)
    assert list(df["id_demande"]) == ["DA1", "DA2", "DA6", "DM3"]  # DA6: 37.5 % <= 40 %
    assert set(df["taux_effort_max"]) == {0.40}
    with pytest.raises(InvalidValueError, match="taux d'effort maximal"):
        candidates(engine, OFFICER, "L08", rent_burden_max=35)


def test_same_epci_widens_the_wished_commune(engine):
    df = candidates(engine, OFFICER, "L08", include_non_fitting=True, same_epci=True)
    motifs = dict(zip(df["id_demande"], df["motifs"], strict=True))
    # DM2: 3 persons, single parent (category 4): fits but for 450 / 1 200 = 37.5 %
    assert motifs["DM2"] == "taux d'effort 38 % > 35 %"
    assert motifs["DM1"] == (
        "sous-occupation : 3 pièces pour 1 personne (maximum 2) ; taux d'effort 64 % > 35 %"
    )


def test_pli_dwelling_checks_no_ceiling(engine):
    # L33: PLI, 3 rooms, 60 m², 700 €; DA4 (32 400 €/year, above PLUS) fits: 700 / 2 700 = 25.9 %
    df = candidates(engine, OFFICER, "L33")
    da4 = _by_id(df)["DA4"]
    assert da4["convient"] and pd.isna(da4["plafond_ressources"])
    assert (
        da4["controle_plafond"]
        == "aucun : pas de plafond de ressources vérifié pour un logement PLI"
    )


# --- impacts ------------------------------------------------------------------------------------


def test_first_quartile_outside_qpv_raises_t1(engine):
    # L31 is outside QPV: T1 of E1, raised to 60 % by the local CIA target, year to date 1/2
    df = impacts(engine, OFFICER, "L31", ["DA1", "DA2"])
    assert list(df.columns) == IMPACT_COLUMNS
    da1, da2 = _by_id(df)["DA1"], _by_id(df)["DA2"]
    assert (da1["objectif"], da1["objectif_indicateur"]) == ("T1", "part_attributions_q1_hors_qpv")
    assert da1["objectif_cible"] == E1_LOCAL_T1
    # DA1: 16 800 / 2.1 UC = 8 000 <= 9 000 -> first quartile: 1/2 -> (1 + 1)/(2 + 1)
    assert bool(da1["premier_quartile"])
    assert _figures(da1, "objectif") == (1, 2, 2, 3)
    assert (da1["objectif_avant"], da1["objectif_apres"]) == (0.5, pytest.approx(2 / 3))
    assert bool(da1["objectif_reduit_ecart"])  # 0.5 < 0.60, moves up
    assert da1["objectif_ecart_apres"] == pytest.approx(2 / 3 - 0.60)
    # DA2: 26 400 / 1.5 UC = 17 600 -> not first quartile: 1/2 -> 1/(2 + 1)
    assert not da2["premier_quartile"]
    assert _figures(da2, "objectif") == (1, 2, 1, 3)
    assert not da2["objectif_reduit_ecart"]


def test_t3_for_the_dwellings_contingent(engine):
    df = impacts(engine, OFFICER, "L31", ["DA1", "DA2"])
    da1, da2 = _by_id(df)["DA1"], _by_id(df)["DA2"]
    # contingent collectivite in E1: A1, not priority -> 0/1; DA1 is priority, DA2 is not
    assert (da1["t3_reservataire"], da1["t3_cible"]) == ("collectivite", 0.25)
    assert _figures(da1, "t3") == (0, 1, 1, 2) and bool(da1["t3_reduit_ecart"])
    assert _figures(da2, "t3") == (0, 1, 0, 2) and not da2["t3_reduit_ecart"]


def test_fragile_household_in_enjeu_mixite_residence_raises_the_alert(engine):
    df = impacts(engine, OFFICER, "L31", ["DA6", "DA1"])
    assert list(df["id_demande"]) == ["DA6", "DA1"]  # the order given, no ranking
    da6, da1 = _by_id(df)["DA6"], _by_id(df)["DA1"]
    # DA6: single parent, 14 400 / 37 259 = 0.386 < 0.40 -> 2 criteria: 3/12 -> 4/13 in R4
    assert bool(da6["menage_fragile"]) and bool(da6["enjeu_mixite"])
    assert _figures(da6, "residence_fragiles") == (3, 12, 4, 13)
    assert da6["residence_fragiles_apres"] == pytest.approx(4 / 13)
    assert bool(da6["alerte_mixite"])
    assert _figures(da6, "residence_sous_40pc") == (0, 12, 1, 13)
    # building B5 (12 households) and floor 1 (11) reach the secrecy threshold of 11
    assert _figures(da6, "batiment_fragiles") == (3, 12, 4, 13)
    assert _figures(da6, "etage_fragiles") == (2, 11, 3, 12)
    assert da6["note_batiment_etage"] == ""
    # DA1: under 40 % (16 800 / 44 982 = 0.373) is its only known criterion: APL and job are
    # unknown for a demand and count as not met -> not fragile, share falls to 3/13, no alert
    assert not da1["menage_fragile"] and not da1["alerte_mixite"]
    assert _figures(da1, "residence_fragiles") == (3, 12, 3, 13)
    assert _figures(da1, "residence_sous_40pc") == (0, 12, 1, 13)
    assert "perçoit l'APL ou l'AL" in da1["hypotheses"]
    assert "situation d'emploi du titulaire" in da1["hypotheses"]


def test_small_building_and_floor_are_not_shown(engine):
    # L08: building B3 has 2 households, floor 3 none; R2 is not on the mixité list
    da6 = _by_id(impacts(engine, OFFICER, "L08", ["DA6"]))["DA6"]
    assert _figures(da6, "residence_fragiles") == (1, 2, 2, 3)
    assert not da6["alerte_mixite"]
    assert all(
        pd.isna(da6[f"{g}_{w}"])
        for g in ("batiment_fragiles", "etage_fragiles")
        for w in ("avant", "apres")
    )
    assert (
        da6["note_batiment_etage"]
        == "Bâtiment et étage : moins de 11 ménages, évolution non affichée."
    )


def test_dwelling_in_qpv_shows_t2(engine):
    # L04 is in QPV: T2 of E1 (legal 50 %) 1/2 year to date, already on target
    df = impacts(engine, OFFICER, "L04", ["DA1", "DA2", "DA6"])
    da1, da2, da6 = (_by_id(df)[i] for i in ("DA1", "DA2", "DA6"))
    assert (da1["objectif"], da1["objectif_cible"]) == ("T2", 0.5)
    assert _figures(da1, "objectif") == (1, 2, 1, 3)  # first quartile: not counted in T2
    assert _figures(da2, "objectif") == (1, 2, 2, 3)
    assert not da2["objectif_reduit_ecart"]  # no gap to close
    # contingent etat: A7 (DALO) -> 1/1; R1 (enjeu_mixite) 2/4 -> 3/5 with DA6
    assert _figures(da1, "t3") == (1, 1, 2, 2)
    assert _figures(da6, "residence_fragiles") == (2, 4, 3, 5) and bool(da6["alerte_mixite"])


def test_impacts_follow_the_definitions(engine):
    """The hypothetical rows are read through the definitions' own filters: change the fragility
    rule to one criterion and DA1 (under 40 % of PLUS) becomes fragile."""
    catalogue = load_catalogue()
    ind = catalogue.indicator("part_menages_fragiles")
    rule = ind.numerator.filter[0]
    one = AtLeast(at_least=1, of=rule.of)
    changed = ind.model_copy(
        update={"numerator": ind.numerator.model_copy(update={"filter": (one,)})}
    )
    catalogue = dataclasses.replace(catalogue, indicators={**catalogue.indicators, ind.id: changed})
    da1 = _by_id(impacts(engine, OFFICER, "L31", ["DA1"], catalogue=catalogue))["DA1"]
    # R4 with one criterion: H01, H02, H12 still (H03–H11 meet none) -> 3/12, then DA1 -> 4/13
    assert _figures(da1, "residence_fragiles") == (3, 12, 4, 13) and bool(da1["alerte_mixite"])


# --- access -------------------------------------------------------------------------------------

PARTNER = Scope(role="partenaire", epci=(E1,))
CALLS = {
    "vacant_dwellings": lambda e, s: vacant_dwellings(e, s),
    "candidates": lambda e, s: candidates(e, s, "L31"),
    "impacts": lambda e, s: impacts(e, s, "L31", ["DA1"]),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_partner_is_refused(engine, call):
    with pytest.raises(AllocationAccessError, match="réservé aux équipes du bailleur"):
        call(engine, PARTNER)


@pytest.mark.parametrize("call", list(CALLS.values())[1:], ids=list(CALLS)[1:])
def test_dwelling_outside_scope_is_refused(engine, call):
    voiron = Scope(role="charge_clientele", epci=(E2,))
    with pytest.raises(AllocationAccessError, match="L31.*introuvable dans votre périmètre"):
        call(engine, voiron)


def test_demands_outside_scope_or_unknown_are_refused(engine):
    grenoble = Scope(role="charge_clientele", communes=(C1,))
    with pytest.raises(InvalidValueError, match="DA1"):  # DA1 wishes Saint-Martin-d'Hères
        impacts(engine, grenoble, "L04", ["DM1", "DA1"])
    with pytest.raises(InvalidValueError, match="ZZ9"):
        impacts(engine, OFFICER, "L31", ["DA1", "ZZ9"])
    assert impacts(engine, OFFICER, "L31", []).empty


def test_dwelling_that_is_not_vacant_is_refused(engine):
    with pytest.raises(InvalidValueError, match="n'est pas vacant"):
        candidates(engine, OFFICER, "L01")
