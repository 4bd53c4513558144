"""The benchmark's questions, and an expert's and an analyst's DuckDB SQL for each of them.

Each question is an indicator broken down by a dimension. The SQL here is the point of comparison
for the semantic layer, so it is written by hand on purpose, outside queries/sql/ (the one place
that builds the portal's SQL): identifiers come from the fixed column maps below, values are bound.
"""

from __future__ import annotations

import datetime as dt
import re

# How each question is answered: the semantic layer first, then its hand-written versions.
METHODS = ("semantic", "sql_enriched", "sql_raw", "pandas")
INDICATORS = (
    "taux_vacance",
    "part_menages_sous_40pc",
    "revenu_median_uc",
    "part_attributions_q1_hors_qpv",
    "taux_rotation",
)
DIMENSIONS = ("epci", "commune", "residence")
QUESTIONS = tuple(f"{ind}/{dim}" for ind in INDICATORS for dim in DIMENSIONS)

# One load of the dashboard page: headline figures by EPCI, one KPI-table theme with its
# comparisons (previous snapshot, same date a year earlier), and every target's evaluation.
DASHBOARD_HEADLINE = (
    "nb_logements",
    "nb_menages",
    "taux_vacance",
    "taux_rotation",
    "part_attributions_q1_hors_qpv",
    "part_attributions_non_q1_en_qpv",
    "part_attributions_prioritaires",
)
DASHBOARD_KPI_TABLE = (
    "part_menages_plai",
    "part_menages_sous_40pc",
    "revenu_median_uc",
    "part_menages_fragiles",
    "part_beneficiaires_apl",
    "part_titulaires_sans_emploi",
)

# -- The questions, written by hand ----------------------------------------------------------

# Group columns of each breakdown: code column and label column (the only identifiers formatted
# into the hand-written SQL; every value is a bound parameter).
ENRICHED_COLUMNS = {
    "epci": {"key": "code_epci", "label": "nom_epci"},
    "commune": {"key": "code_commune", "label": "nom_commune"},
    "residence": {"key": "id_residence", "label": "nom_residence"},
}
RAW_COLUMNS = {
    "epci": {"key": "t.code_epci", "label": "t.nom_epci"},
    "commune": {"key": "t.code_commune", "label": "t.nom_commune"},
    "residence": {"key": "l.id_residence", "label": "r.nom_residence"},
}
_RATIO = "CAST(numerateur AS DOUBLE) / NULLIF(denominateur, 0) AS valeur"

# An expert's SQL on the engine's enriched tables (queries/sql/enrichment.sql), where a label
# is a function of its code: read from any row, as the builder does.
ENRICHED_SQL = {
    "taux_vacance": """
        SELECT {key} AS code, any_value({label}) AS libelle,
               count(*) FILTER (WHERE mode_occupation = 'vacant') AS numerateur,
               count(*) FILTER (WHERE propose_location) AS denominateur, {ratio}
        FROM logements WHERE snapshot_date = $snapshot
        GROUP BY {key} ORDER BY code""",
    "part_menages_sous_40pc": """
        SELECT {key} AS code, any_value({label}) AS libelle,
               count(*) FILTER (WHERE rfr_connu AND ratio_plafond_plus < 0.4) AS numerateur,
               count(*) FILTER (WHERE rfr_connu) AS denominateur, {ratio}
        FROM menages WHERE snapshot_date = $snapshot
        GROUP BY {key} ORDER BY code""",
    "revenu_median_uc": """
        SELECT {key} AS code, any_value({label}) AS libelle,
               median(revenu_par_uc) AS valeur, count(revenu_par_uc) AS effectif
        FROM menages WHERE snapshot_date = $snapshot
        GROUP BY {key} ORDER BY code""",
    "part_attributions_q1_hors_qpv": """
        SELECT {key} AS code, any_value({label}) AS libelle,
               count(*) FILTER (WHERE NOT en_qpv AND (premier_quartile OR relogement_anru))
                   AS numerateur,
               count(*) FILTER (WHERE NOT en_qpv) AS denominateur, {ratio}
        FROM attributions
        WHERE snapshot_date = $snapshot AND date_attribution > $debut AND date_attribution <= $fin
        GROUP BY {key} ORDER BY code""",
    "taux_rotation": """
        WITH d AS (
            SELECT {key} AS code, any_value({label}) AS libelle, count(*) AS n FROM departs
            WHERE snapshot_date = $snapshot AND date_depart > $debut AND date_depart <= $fin
            GROUP BY {key}
        ), l AS (
            SELECT {key} AS code, any_value({label}) AS libelle,
                   count(*) FILTER (WHERE propose_location) AS n
            FROM logements WHERE snapshot_date = $snapshot GROUP BY {key}
        )
        SELECT COALESCE(l.code, d.code) AS code, COALESCE(l.libelle, d.libelle) AS libelle,
               COALESCE(d.n, 0) AS numerateur, COALESCE(l.n, 0) AS denominateur, {ratio}
        FROM l FULL JOIN d ON l.code IS NOT DISTINCT FROM d.code ORDER BY code""",
}

# An analyst's SQL over the raw Parquet files of the latest snapshot: every question joins the
# dwellings to their residence and commune on string keys and derives what it needs.
_LOCATED = """read_parquet($logements) l
        LEFT JOIN read_parquet($residences) r ON r.id_residence = l.id_residence
        LEFT JOIN read_parquet($territoires) t ON t.code_commune = r.code_commune"""
RAW_SQL = {
    "taux_vacance": """
        SELECT {key} AS code, MIN({label}) AS libelle,
               count(*) FILTER (WHERE l.mode_occupation = 'vacant') AS numerateur,
               count(*) FILTER (WHERE l.mode_occupation IN ('loue', 'vacant')) AS denominateur,
               {ratio}
        FROM {located}
        GROUP BY {key} ORDER BY code""",
    "part_menages_sous_40pc": """
        WITH m AS (
            SELECT {key} AS code, {label} AS libelle, t.zone_plafonds,
                   m.revenu_fiscal_reference AS rfr,
                   m.nb_personnes + CASE WHEN m.composition = 'monoparentale' THEN 1 ELSE 0 END
                       AS n
            FROM read_parquet($menages) m JOIN {located} ON l.id_logement = m.id_logement
        ), p AS (  -- PLUS ceilings of the snapshot's year, else of the latest earlier year
            SELECT zone_plafonds, categorie, arg_max(plafond, annee) AS plafond,
                   arg_max(plafond_personne_sup, annee) AS sup
            FROM read_parquet($plafonds) WHERE financement = 'PLUS' AND annee <= $annee
            GROUP BY zone_plafonds, categorie
        )
        SELECT code, MIN(libelle) AS libelle,
               count(*) FILTER (WHERE rfr IS NOT NULL
                                AND rfr / (p.plafond + greatest(n - 6, 0) * p.sup) < 0.4)
                   AS numerateur,
               count(*) FILTER (WHERE rfr IS NOT NULL) AS denominateur, {ratio}
        FROM m LEFT JOIN p ON p.zone_plafonds = m.zone_plafonds AND p.categorie = least(m.n, 6)
        GROUP BY code ORDER BY code""",
    "revenu_median_uc": """
        SELECT {key} AS code, MIN({label}) AS libelle,
               median(m.revenu_fiscal_reference / {uc_m}) AS valeur,
               count(m.revenu_fiscal_reference) AS effectif
        FROM read_parquet($menages) m JOIN {located} ON l.id_logement = m.id_logement
        GROUP BY {key} ORDER BY code""",
    "part_attributions_q1_hors_qpv": """
        WITH a AS (
            SELECT {key} AS code, {label} AS libelle, t.code_epci,
                   r.code_qpv IS NULL AS hors_qpv, a.relogement_anru,
                   year(a.date_attribution) AS annee,
                   a.revenu_mensuel * 12 / {uc_a} AS revenu_uc
            FROM read_parquet($attributions) a JOIN {located} ON l.id_logement = a.id_logement
            WHERE a.date_attribution > $debut AND a.date_attribution <= $fin
        )  -- threshold of the allocation's year, else of the latest earlier year
        SELECT code, MIN(libelle) AS libelle,
               count(*) FILTER (WHERE hors_qpv AND (revenu_uc <= s.seuil_q1_uc OR relogement_anru))
                   AS numerateur,
               count(*) FILTER (WHERE hors_qpv) AS denominateur, {ratio}
        FROM a ASOF LEFT JOIN read_parquet($seuils_q1) s
          ON s.code_epci = a.code_epci AND a.annee >= s.annee
        GROUP BY code ORDER BY code""",
    "taux_rotation": """
        WITH loc AS (
            SELECT l.id_logement, l.mode_occupation, {key} AS code, {label} AS libelle
            FROM {located}
        ), d AS (
            SELECT loc.code, MIN(loc.libelle) AS libelle, count(*) AS n
            FROM read_parquet($departs) d JOIN loc ON loc.id_logement = d.id_logement
            WHERE d.date_depart > $debut AND d.date_depart <= $fin GROUP BY loc.code
        ), s AS (
            SELECT code, MIN(libelle) AS libelle,
                   count(*) FILTER (WHERE mode_occupation IN ('loue', 'vacant')) AS n
            FROM loc GROUP BY code
        )
        SELECT COALESCE(s.code, d.code) AS code, COALESCE(s.libelle, d.libelle) AS libelle,
               COALESCE(d.n, 0) AS numerateur, COALESCE(s.n, 0) AS denominateur, {ratio}
        FROM s FULL JOIN d ON s.code IS NOT DISTINCT FROM d.code ORDER BY code""",
}


def _uc_sql(t: str) -> str:
    return f"(1 + 0.5 * ({t}.nb_personnes - 1 - {t}.nb_moins_14) + 0.3 * {t}.nb_moins_14)"


# The fixed fragments of the templates above: no value is ever formatted into the SQL.
FRAGMENTS = {"ratio": _RATIO, "located": _LOCATED, "uc_m": _uc_sql("m"), "uc_a": _uc_sql("a")}


def hand_sql(templates: dict[str, str], columns: dict, question: str) -> str:
    """A hand-written question: identifiers from ENRICHED_COLUMNS / RAW_COLUMNS only, values bound."""
    indicator, dim = question.split("/")
    return templates[indicator].format(**FRAGMENTS, **columns[dim])


def rolling_period(snapshot: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 months ending on the snapshot: (exclusive start, inclusive end)."""
    try:
        return snapshot.replace(year=snapshot.year - 1), snapshot
    except ValueError:  # 29 February
        return snapshot.replace(year=snapshot.year - 1, day=28), snapshot


def _bound(sql: str, values: dict) -> dict:
    return {k: v for k, v in values.items() if re.search(rf"\${k}\b", sql)}
