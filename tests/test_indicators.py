"""Every indicator on the hand-written tiny data root (tests/tiny_data.py), values worked out by
hand from its rows. Latest snapshot S3 = 2025-12-31 unless a case names another."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from queries.evaluate import evaluate
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from tests.tiny_data import E1, E2, S2, S3

D = dt.date
ALL = Scope.internal("manager")


def _years(entry: dt.date, snapshot: dt.date = S3) -> float:
    return (snapshot - entry).days / 365.25


# Seniority of the 8 households at S3 (entry dates of tiny_data._MENAGES)
ANC = sorted(
    _years(d)
    for d in (
        D(2000, 6, 15),
        D(2023, 3, 1),
        D(2015, 1, 1),
        D(2025, 1, 1),
        D(1995, 1, 1),
        D(2020, 1, 1),
        D(2025, 7, 1),
        D(2025, 7, 1),
    )
)
# Waiting days of the six allocations in S3's period: A1 550, A2 533, A3 181, A5 365, A6 184, A7 1096
DELAI_MEDIAN_MOIS = (365 + 533) / 2 / 30.4375

# (indicator, expected (valeur, numerateur, denominateur, effectif)) at S3, whole scope, no breakdown
TOTALS = [
    ("nb_logements", (12, None, None, 12)),
    ("taux_occupation", (8 / 10, 8, 10, 10)),  # 8 let, 2 vacant (L04, L08); L06 vide, L12 autre
    ("taux_vacance", (2 / 10, 2, 10, 10)),
    ("taux_vacance_3_mois", (1 / 10, 1, 10, 10)),  # L04 vacant since 2025-09-30 = S3 - 3 months
    ("nb_menages", (8, None, None, 8)),
    ("part_menages_plai", (4 / 7, 4, 7, 7)),  # M01 M02 M06 M07; M04 has no RFR
    ("part_menages_plus", (1 / 7, 1, 7, 7)),  # M03
    ("part_menages_pls", (2 / 7, 2, 7, 7)),  # M05 (25000 <= 30161), M08 (30000 <= 30161)
    ("part_menages_au_dela", (0.0, 0, 7, 7)),
    # PLUS 2025 for one person 23 201: M08 30 000 is 1.293 of it (> 1.2), M05 25 000 1.078
    ("part_menages_sls", (1 / 7, 1, 7, 7)),
    ("part_menages_plus_150pc", (0.0, 0, 7, 7)),  # none above 1.5 (see test_new_indicators.py)
    ("part_menages_sous_20pc", (0.0, 0, 7, 7)),
    ("part_menages_sous_40pc", (3 / 7, 3, 7, 7)),  # M01 .388, M02 .311, M07 .322
    ("part_menages_sous_60pc", (4 / 7, 4, 7, 7)),  # + M06 .537
    (
        "part_menages_sous_plafond_financement",
        (5 / 6, 5, 6, 6),
    ),  # M08 over PLUS; M06 in PLI, M04 unknown
    ("revenu_median_uc", (20000 / 1.8, None, None, 7)),  # M06: 20000 / 1.8 UC is the 4th of 7
    ("taille_moyenne_menage", (18 / 8, None, None, 8)),
    ("part_personnes_seules", (3 / 8, 3, 8, 8)),
    ("part_familles_monoparentales", (2 / 8, 2, 8, 8)),
    ("part_couples_avec_enfants", (2 / 8, 2, 8, 8)),
    ("part_familles_nombreuses", (1 / 8, 1, 8, 8)),  # M03, 3 children
    ("age_moyen_titulaire", (397 / 8, None, None, 8)),
    ("part_titulaires_moins_30", (1 / 8, 1, 8, 8)),
    ("part_titulaires_65_plus", (3 / 8, 3, 8, 8)),  # 72, 80, 65
    ("part_titulaires_75_plus", (1 / 8, 1, 8, 8)),
    ("part_titulaires_sans_emploi", (2 / 8, 2, 8, 8)),  # chomage M02, inactif M06
    ("part_beneficiaires_apl", (4 / 8, 4, 8, 8)),
    ("anciennete_moyenne", (sum(ANC) / 8, None, None, 8)),
    ("anciennete_mediane", ((ANC[3] + ANC[4]) / 2, None, None, 8)),
    ("part_anciennete_plus_10_ans", (3 / 8, 3, 8, 8)),  # M01, M03 (10.998 y), M05
    ("part_emmenages_recents", (4 / 8, 4, 8, 8)),  # M02 (2.84 y), M04, M07, M08
    # moved in less than a year ago with a known RFR: M07 (.322) and M08 (over PLUS); M04 (0.997 y)
    # has no RFR, so it is in neither count
    ("part_entrants_sous_40pc", (1 / 2, 1, 2, 2)),
    ("taux_sous_occupation", (1 / 8, 1, 8, 8)),  # M07: 4 rooms for 2 persons
    ("taux_sur_occupation", (1 / 8, 1, 8, 8)),  # M06: 3 persons in 20 m² < 25 m²
    ("part_menages_fragiles", (4 / 8, 4, 8, 8)),  # M01 (2), M02 (4), M06 (2), M07 (3)
    (
        "nb_attributions",
        (6, None, None, 6),
    ),  # A1 A2 A3 A5 A6 A7 (A1 on the first day, A6 on the last)
    ("part_attributions_dalo", (2 / 6, 2, 6, 6)),
    ("part_attributions_prioritaires", (4 / 6, 4, 6, 6)),
    ("part_attributions_grande_precarite", (1 / 6, 1, 6, 6)),
    ("part_attributions_q1_hors_qpv", (2 / 4, 2, 4, 4)),  # A5 first quartile, A3 ANRU; A2 unknown
    ("part_attributions_non_q1_en_qpv", (1 / 2, 1, 2, 2)),  # A1; A7 sits exactly on the threshold
    ("part_attributions_mutations", (2 / 6, 2, 6, 6)),
    ("nb_attributions_anru", (1, None, None, 1)),  # A3
    ("part_attributions_anru", (1 / 6, 1, 6, 6)),
    ("delai_attente_median_mois", (DELAI_MEDIAN_MOIS, None, None, 6)),
    # rent / resources: A3 .195, A6 .208, A1 .280, A7 .427, A2 .671, A5 .750
    ("taux_effort_median_entrants", ((420 / 1500 + 320 / 750) / 2, None, None, 6)),
    ("part_entrants_effort_33", (3 / 6, 3, 6, 6)),  # A2, A5, A7
    # (resources - rent) x 12 / UC: A5 1 800, A2 2 123, A7 5 160, A1 8 640, A6 11 314, A3 19 320
    ("reste_a_vivre_median_entrants", ((5160 + 8640) / 2, None, None, 6)),
    ("nb_departs", (2, None, None, 2)),  # X01, X02; X03 left on 2024-12-31, outside the period
    ("taux_rotation", (2 / 10, 2, 10, 10)),
    ("taux_mobilite", (4 / 8, 4, 8, 8)),  # L10 and L11 let since 2025-06-01 are left out
    ("nb_demandes", (4, None, None, 4)),
    ("pression_demande", (4 / 6, 4, 6, 6)),
    ("pression_demande_typologie", (4 / 6, 4, 6, 6)),  # by rooms in test_new_indicators.py
    # satisfaction: attributions / active demands of the same public (see test_new_indicators.py)
    ("taux_satisfaction_q1", (2 / 2, 2, 2, 2)),  # A5, A7 / DM1, DM2 (E1 threshold 9 000)
    ("taux_satisfaction_dalo", (2 / 1, 2, 1, 1)),  # A2, A7 / DM4
    ("taux_satisfaction_mutations", (2 / 1, 2, 1, 1)),  # A1, A6 / DM2
]


def test_every_indicator_has_a_hand_computed_case():
    # the indicators on optional inputs are worked out in tests/test_optional_inputs.py, on the
    # tiny root with those inputs added (here, without them, they are "non disponible")
    from tests.test_optional_inputs import NEW

    assert {i for i, _ in TOTALS} | set(NEW) == set(load_catalogue().indicators)
    assert not {i for i, _ in TOTALS} & set(NEW)


@pytest.mark.parametrize(("indicator", "expected"), TOTALS, ids=[t[0] for t in TOTALS])
def test_indicator_total(tiny_engine, indicator, expected):
    df = evaluate(tiny_engine, indicator, ALL)
    assert len(df) == 1
    row = df.iloc[0]
    valeur, num, den, eff = expected
    assert row["valeur"] == pytest.approx(valeur, rel=1e-12)
    assert (_opt(row["numerateur"]), _opt(row["denominateur"]), _opt(row["effectif"])) == (
        num,
        den,
        eff,
    )
    assert not row["masque"]


def _opt(value):
    return None if pd.isna(value) else int(value)


def _rows(df, key):
    return {r[key]: (r["valeur"], r["numerateur"], r["denominateur"]) for _, r in df.iterrows()}


def test_vacancy_by_epci(tiny_engine):
    df = evaluate(tiny_engine, "taux_vacance", ALL, by=["epci"])
    assert list(df["epci"]) == [E1, E2]
    assert list(df["epci_libelle"]) == ["Grenoble-Alpes-Métropole", "CA du Pays Voironnais"]
    assert _rows(df, "epci") == {E1: (0.25, 2, 8), E2: (0.0, 0, 2)}


def test_t1_by_epci_uses_threshold_of_the_allocation_year(tiny_engine):
    df = evaluate(tiny_engine, "part_attributions_q1_hors_qpv", ALL, by=["epci"])
    assert _rows(df, "epci") == {E1: (0.5, 1, 2), E2: (0.5, 1, 2)}


def test_boolean_and_null_dimensions(tiny_engine):
    df = evaluate(tiny_engine, "nb_logements", ALL, by=["en_qpv"])
    assert dict(zip(df["en_qpv"], df["valeur"], strict=True)) == {False: 6, True: 6}
    df = evaluate(tiny_engine, "nb_logements", ALL, by=["qpv"])
    assert list(df["qpv"].fillna("hors")) == ["QN03801T", "hors"]  # outside QPV = null code, last
    assert list(df["valeur"]) == [6, 6]


def test_household_dimensions(tiny_engine):
    df = evaluate(tiny_engine, "nb_menages", ALL, by=["tranche_age_titulaire"])
    assert sorted(zip(df["tranche_age_titulaire"], df["valeur"], strict=True)) == [
        ("30_49", 4),
        ("65_74", 2),
        ("75_plus", 1),
        ("moins_30", 1),
    ]
    df = evaluate(tiny_engine, "nb_menages", ALL, by=["categorie_ressources"])
    assert sorted(zip(df["categorie_ressources"], df["valeur"], strict=True)) == [
        ("PLAI", 4),
        ("PLS", 2),
        ("PLUS", 1),
        ("inconnu", 1),
    ]


def test_group_with_zero_denominator_has_null_value(tiny_engine):
    df = evaluate(tiny_engine, "part_menages_plai", ALL, by=["batiment"])
    rows = {
        r["batiment"]: (r["numerateur"], r["denominateur"], r["valeur"]) for _, r in df.iterrows()
    }
    assert rows["B2"][:2] == (0, 0)  # B2's only household M04 has no known income
    assert pd.isna(rows["B2"][2])  # 0 / 0 is null, never inf or NaN
    assert rows["B1"] == (2, 3, 2 / 3)  # M01, M02 PLAI; M03 PLUS


def test_cross_base_ratio_keeps_groups_without_events(tiny_engine):
    df = evaluate(tiny_engine, "taux_rotation", ALL, by=["residence"])
    assert _rows(df, "residence") == {"R1": (1 / 5, 1, 5), "R2": (1 / 3, 1, 3), "R3": (0.0, 0, 2)}


def test_where_filter_and_several_dimensions(tiny_engine):
    df = evaluate(
        tiny_engine,
        "nb_attributions",
        ALL,
        by=["epci", "en_qpv"],
        where={"reservataire": ["etat", "bailleur"]},
    )
    got = {(r["epci"], r["en_qpv"]): r["valeur"] for _, r in df.iterrows()}
    assert got == {(E1, False): 1, (E1, True): 1, (E2, False): 2}  # A6 / A7 / A2, A3


def test_rolling_and_calendar_periods(tiny_engine):
    # S2 = 2025-09-30: rolling period (2024-09-30, 2025-09-30] holds A8 (2024-10-10), calendar year does not
    rolling = evaluate(tiny_engine, "nb_attributions", ALL, snapshot=S2)
    ytd = evaluate(tiny_engine, "nb_attributions", ALL, snapshot=S2, period="ytd")
    assert (rolling["valeur"].iloc[0], ytd["valeur"].iloc[0]) == (6, 5)
    # departures: X03 on 2024-12-31 is inside the rolling period of S2, outside its calendar year
    rolling = evaluate(tiny_engine, "nb_departs", ALL, snapshot=S2)
    ytd = evaluate(tiny_engine, "nb_departs", ALL, snapshot=S2, period="ytd")
    assert (rolling["valeur"].iloc[0], ytd["valeur"].iloc[0]) == (3, 2)


def test_earlier_snapshot_uses_its_own_rows(tiny_engine):
    df = evaluate(tiny_engine, "taux_vacance", ALL, snapshot="2024-12-31")
    assert (df["valeur"].iloc[0], df["numerateur"].iloc[0], df["denominateur"].iloc[0]) == (
        3 / 8,
        3,
        8,
    )
    # T2 at S2 in E1: A1 (not Q1), A7 (Q1), A8 (Q1 under the 2024 threshold 8800)
    df = evaluate(tiny_engine, "part_attributions_non_q1_en_qpv", ALL, snapshot=S2, by=["epci"])
    assert _rows(df, "epci")[E1] == (1 / 3, 1, 3)
