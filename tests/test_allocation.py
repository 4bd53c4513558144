"""Aide à l'attribution on the tiny root of tests/tiny_allocation_data.py (tiny_data at 2025-12-31
plus residence R4, vacant L31/L33 and demands DA1–DA6). Every value below is worked out by hand.

Facts used throughout (E1 = Grenoble-Alpes-Métropole, calendar year 2025 to 2025-12-31):
- T1 of E1: allocations outside QPV = A5 (L08, first quartile) and A6 (L07, not) -> k/n = 1/2.
- T2 of E1: allocations in QPV = A1 (L05, not first quartile) and A7 (L01, first quartile) -> 1/2.
- T3 of E1, contingent collectivite: A1 only, neither DALO nor priority -> 0/1; etat: A7 -> 1/1.
- R4 (enjeu_mixite): 3 fragile households of 12 (H01, H02, H12), none under 40 % of PLUS; its floor
  1 holds 11 households, 2 fragile. R1 (enjeu_mixite): 2 fragile of 4; R2: 1 of 2 (M06).
- Budget: rent + 2 €/m² charges − the simplified housing benefit of parametres.yaml.
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
    # Size and ceiling fit DA1 (16 800 <= 44 982, PLUS cat. 4), DA2 (26 400 <= 30 984), DA5, DA6 and
    # DM3; the rent burden excludes nobody. Examination order: DALO (DA5), other priority (DA1),
    # then the oldest demand first: DA2 (06/2024), DA6 (12/2024), DM3 (02/2025).
    assert list(df["id_demande"]) == ["DA5", "DA1", "DA2", "DA6", "DM3"]
    assert df["convient"].all() and (df["motifs"] == "").all() and (df["a_verifier"] == "").all()
    da1 = _by_id(df)["DA1"]
    assert da1["anciennete_demande_mois"] == 11  # 355 days / 30.4375
    assert bool(da1["premier_quartile"]) and bool(da1["prioritaire"])
    assert da1["revenu_annuel_estime"] == 16800 and da1["plafond_ressources"] == 44982
    assert da1["controle_plafond"] == "PLUS 2025, catégorie 4, zone autres : 44 982 €"
    assert da1["situation_emploi"] == "inconnue (la demande ne la renseigne pas)"
    assert da1["cotation"] == 42.0  # the optional column is read when the data has it
    assert "12 fois les ressources mensuelles" in df.attrs["hypotheses"]
    assert "Ce n'est pas un classement" in df.attrs["ordre"]


def test_rent_burden_and_remaining_income_by_hand(engine):
    """Arrêté du 10 mars 2011: (rent + charges − housing benefit) / resources; charges 2 €/m²
    (65 m² -> 130 €); benefit from the simplified scale of parametres.yaml."""
    df = _by_id(candidates(engine, OFFICER, "L08"))
    # DA1, 4 persons (2 under 14), 1 400 €: rent taken 438 (382 + 56), charges 58 + 3 x 13 = 97,
    # allowance 8 400 + 1 400 = 9 800, contribution max(39, 8.5 % x 535) + 30 % x 7 000 / 12
    # = 45.475 + 175 = 220.475 -> benefit 314.525; spent 450 + 130 − 314.525 = 265.475
    da1 = df["DA1"]
    assert da1["charges_estimees"] == 130
    assert da1["aide_logement_estimee"] == pytest.approx(314.525)
    assert da1["taux_effort"] == pytest.approx(265.475 / 1400)
    assert da1["reste_a_vivre_uc"] == pytest.approx((1400 - 265.475) / 2.1)  # 2.1 UC
    # DA5, couple, 1 000 €: rent taken 339, charges 71, contribution 39 + 30 % x 5 000 / 12 = 164
    # -> benefit 246; spent 450 + 130 − 246 = 334 -> 33.4 % (45 % on rent alone)
    da5 = df["DA5"]
    assert da5["aide_logement_estimee"] == pytest.approx(246)
    assert da5["taux_effort"] == pytest.approx(0.334)
    assert da5["reste_a_vivre_uc"] == pytest.approx((1000 - 334) / 1.5)
    # DA2, couple, 2 200 €: contribution 39 + 30 % x 19 400 / 12 = 524 > 410 -> no benefit
    assert df["DA2"]["aide_logement_estimee"] == 0
    assert df["DA2"]["taux_effort"] == pytest.approx(580 / 2200)


def test_dalo_household_with_a_high_rent_burden_is_listed_with_its_impacts(engine):
    """DA5 is DALO with 450 / 1 000 = 45 % of its income on rent: a threshold flags it, never
    removes it, and its impacts are computed like everyone's."""
    df = candidates(engine, OFFICER, "L08", effort_flag=0.30)
    flags = dict(zip(df["id_demande"], df["effort_signale"], strict=True))
    # 33.4 % (DA5) and 394 / 1 200 = 32.8 % (DA6) are above 30 %; DA1 19.0 %, DA2 26.4 %, DM3 29 %
    assert flags == {"DA5": True, "DA1": False, "DA2": False, "DA6": True, "DM3": False}
    assert set(df["taux_effort_signale"]) == {0.30}
    da5 = _by_id(impacts(engine, OFFICER, "L08", ["DA5"]))["DA5"]
    # L08 is outside QPV in E1: T1 1/2 -> DA5 (12 000 / 1.5 UC = 8 000 <= 9 000, first quartile)
    assert _figures(da5, "objectif") == (1, 2, 2, 3)
    # T3 of the dwelling's contingent (action_logement) in E1: A5 (priority) 1/1 -> DALO 2/2
    assert _figures(da5, "t3") == (1, 1, 2, 2)
    with pytest.raises(InvalidValueError, match="taux d'effort signalé"):
        candidates(engine, OFFICER, "L08", effort_flag=35)


def test_non_fitting_demands_come_with_every_reason(engine):
    df = candidates(engine, OFFICER, "L08", include_non_fitting=True)
    # every demand of E1 (DM4 wishes Voiron, in another EPCI), in the examination order
    assert list(df["id_demande"]) == [
        "DA3",  # DALO, 09/2023
        "DA5",  # DALO, 03/2025
        "DM2",  # priority, 11/2023
        "DA1",  # priority, 01/2025
        "DM1",
        "DA2",
        "DA6",
        "DM3",
        "DA4",
    ]
    motifs = dict(zip(df["id_demande"], df["motifs"], strict=True))
    # 8 persons: s(8) = 16 + 9 x 6 = 70 m² > 65 m²
    assert motifs["DA3"] == "sur-occupation : 65 m² pour 8 personnes (minimum 70 m²)"
    # 2 700 x 12 = 32 400 > 30 984, PLUS 2025 category 2
    assert motifs["DA4"] == (
        "revenus au-dessus du plafond PLUS (32 400 €/an estimés = 2 700 €/mois × 12 ; "
        "plafond 30 984 €, catégorie 2, 2025)"
    )
    assert motifs["DA5"] == motifs["DA6"] == ""  # a rent burden is never a reason
    assert motifs["DM1"] == (
        "commune souhaitée : Grenoble (logement à Saint-Martin-d'Hères) ; "
        "sous-occupation : 3 pièces pour 1 personne (maximum 2)"
    )
    fits = dict(zip(df["id_demande"], df["convient"], strict=True))
    assert [i for i, ok in fits.items() if ok] == ["DA5", "DA1", "DA2", "DA6", "DM3"]
    # 8 persons: category 6 plus 2 persons, 59 636 + 2 x 6 652 = 72 940
    da3 = _by_id(df)["DA3"]
    assert da3["plafond_ressources"] == 72940
    assert da3["controle_plafond"] == "PLUS 2025, catégorie 6 + 2 personnes, zone autres : 72 940 €"
    # délai anormalement long of département 38: 24 months. DA3 (852 days, 28.0 months) and DM2
    # (772 days, 25.4 months) are past it, DA1 (355 days) is not
    delays = dict(zip(df["id_demande"], df["delai_depasse"], strict=True))
    assert (delays["DA3"], delays["DM2"], delays["DA1"]) == (True, True, False)
    assert set(df["delai_anormal_mois"]) == {24}


def test_same_epci_widens_the_wished_commune(engine):
    df = candidates(engine, OFFICER, "L08", include_non_fitting=True, same_epci=True)
    motifs = dict(zip(df["id_demande"], df["motifs"], strict=True))
    # DM2: 3 persons, single parent (category 4): fits (its rent burden is information only)
    assert motifs["DM2"] == ""
    assert motifs["DM1"] == "sous-occupation : 3 pièces pour 1 personne (maximum 2)"


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


def test_t3_for_the_contingent_the_commission_chooses(engine):
    """Flux management: the same dwelling allotted on the État contingent counts there, rated
    against the État's own target (0.83); A7 (DALO) makes it 1/1, already on target."""
    df = impacts(engine, OFFICER, "L31", ["DA1", "DA2"], contingent="etat")
    da1 = _by_id(df)["DA1"]
    assert (da1["t3_reservataire"], da1["t3_cible"]) == ("etat", 0.83)
    assert _figures(da1, "t3") == (1, 1, 2, 2)
    assert not da1["t3_reduit_ecart"]  # nothing to close: the UI says « cible déjà atteinte »
    assert "contingent choisi (État (contingent préfectoral))" in da1["hypotheses"]


def test_effects_on_the_residence_rest_on_resources_only(engine):
    df = impacts(engine, OFFICER, "L31", ["DA6", "DA1"])
    assert list(df["id_demande"]) == ["DA6", "DA1"]  # the order given, no ranking
    assert not [c for c in IMPACT_COLUMNS if "fragil" in c]  # no composite effect per person
    da6, da1 = _by_id(df)["DA6"], _by_id(df)["DA1"]
    # DA6: 14 400 / 37 259 (PLUS cat. 3, single parent) = 0.386 < 0.40: R4 0/12 -> 1/13
    assert bool(da6["ressources_sous_40pc"]) and bool(da6["enjeu_mixite"])
    assert _figures(da6, "residence_sous_40pc") == (0, 12, 1, 13)
    assert bool(da6["alerte_mixite"])
    # building B5 (12 households) and floor 1 (11) reach the secrecy threshold of 11
    assert _figures(da6, "batiment_sous_40pc") == (0, 12, 1, 13)
    assert _figures(da6, "etage_sous_40pc") == (0, 11, 1, 12)
    assert da6["note_batiment_etage"] == ""
    # DA1: 16 800 / 44 982 = 0.373 < 0.40, the same effect whatever its family situation
    assert bool(da1["ressources_sous_40pc"]) and bool(da1["alerte_mixite"])
    assert _figures(da1, "residence_sous_40pc") == (0, 12, 1, 13)
    assert "Code pénal, art. 225-1" in da1["hypotheses"]


def test_small_building_and_floor_are_not_shown(engine):
    # L08: building B3 has 2 households, floor 3 none; R2 is not on the mixité list
    da6 = _by_id(impacts(engine, OFFICER, "L08", ["DA6"]))["DA6"]
    # R2: M05 and M06, RFR known, neither under 40 % -> 0/2, DA6 -> 1/3
    assert _figures(da6, "residence_sous_40pc") == (0, 2, 1, 3)
    assert not da6["alerte_mixite"]
    assert all(
        pd.isna(da6[f"{g}_{w}"])
        for g in ("batiment_sous_40pc", "etage_sous_40pc")
        for w in ("avant", "apres")
    )
    assert (da6["batiment_menages"], da6["etage_menages"]) == (2, 0)
    assert (  # the Fiche résidence's rule (3 households), no longer the secrecy threshold of 11
        da6["note_batiment_etage"]
        == "Bâtiment et étage : moins de 3 ménages, évolution non affichée."
    )


def test_a_building_of_three_households_is_shown_as_on_the_residence_card(engine):
    # L04: its building holds M01, M02 (under 40 % of the PLUS ceiling) and one household above:
    # 2/3, shown from 3 households as the Fiche résidence shows floors; DA6 (under 40 %) -> 3/4.
    # Its floor has no household: hidden, and said.
    da6 = _by_id(impacts(engine, OFFICER, "L04", ["DA6"]))["DA6"]
    assert (da6["batiment_menages"], da6["etage_menages"]) == (3, 0)
    assert _figures(da6, "batiment_sous_40pc") == (2, 3, 3, 4)
    assert pd.isna(da6["etage_sous_40pc_avant"]) and pd.isna(da6["etage_sous_40pc_apres"])
    assert da6["note_batiment_etage"] == "Étage : moins de 3 ménages, évolution non affichée."


def test_dwelling_in_qpv_shows_t2(engine):
    # L04 is in QPV: T2 of E1 (legal 50 %) 1/2 year to date, already on target
    df = impacts(engine, OFFICER, "L04", ["DA1", "DA2", "DA6"])
    da1, da2, da6 = (_by_id(df)[i] for i in ("DA1", "DA2", "DA6"))
    assert (da1["objectif"], da1["objectif_cible"]) == ("T2", 0.5)
    assert _figures(da1, "objectif") == (1, 2, 1, 3)  # first quartile: not counted in T2
    assert _figures(da2, "objectif") == (1, 2, 2, 3)
    assert not da2["objectif_reduit_ecart"]  # no gap to close
    # contingent etat: A7 (DALO) -> 1/1; R1 (enjeu_mixite): M01, M02 under 40 % of 3 known RFR
    assert _figures(da1, "t3") == (1, 1, 2, 2)
    assert _figures(da6, "residence_sous_40pc") == (2, 3, 3, 4) and bool(da6["alerte_mixite"])
    assert not da2["ressources_sous_40pc"] and not da2["alerte_mixite"]  # 26 400 / 30 984


def test_impacts_follow_the_definitions(engine):
    """The hypothetical rows are read through the definitions' own filters: lower the resources
    threshold to 38 % and DA6 (0.386 of PLUS) no longer counts, DA1 (0.373) still does."""
    catalogue = load_catalogue()
    ind = catalogue.indicator("part_menages_sous_40pc")
    rule = ind.numerator.filter[0]
    lower = rule.model_copy(update={"value": 0.38})
    changed = ind.model_copy(
        update={
            "numerator": ind.numerator.model_copy(
                update={"filter": (lower, *ind.numerator.filter[1:])}
            )
        }
    )
    catalogue = dataclasses.replace(catalogue, indicators={**catalogue.indicators, ind.id: changed})
    df = _by_id(impacts(engine, OFFICER, "L31", ["DA6", "DA1"], catalogue=catalogue))
    assert _figures(df["DA6"], "residence_sous_40pc") == (0, 12, 0, 13)
    assert _figures(df["DA1"], "residence_sous_40pc") == (0, 12, 1, 13)


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
