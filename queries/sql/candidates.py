"""SQL of the allocation aid (aide à l'attribution): vacant dwellings, the active demands that
could fit one of them, and the hypothetical rows of an allocation on which the definitions' own
filters are evaluated (no second formula for an indicator).

Identifiers come from the validated definitions or from this module's own text; every value — the
rules' constants included — is a bound parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from queries.sql import rules
from queries.sql.builder import Statement, _filter, _Params, _scope
from semantic.catalogue import Catalogue
from semantic.models import AtLeast, Filter
from semantic.scope import Scope

_SQL_TYPES = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
}
# Constants of the data contract's rules ("Derived values"), bound as parameters.
_RULES = {
    "vacant": "vacant",
    "monoparentale": "monoparentale",
    "plai": "PLAI",
    "plus": "PLUS",
    "pls": "PLS",
    "categorie_max": 6,  # ceiling categories 1..6, then an amount per extra person
    "mois_par_an": 12,  # SNE resources are monthly; ceilings and Q1 thresholds are annual
    "jours_par_mois": 30.4375,  # as delai_attente_median_mois
    # the occupancy rule's constants come from parametres.yaml (sql/rules.py), as in enrichment.sql
    "relogement_anru": False,  # a demand never carries an urban-renewal rehousing
    "anciennete_entree": 0.0,  # the household would just have moved in
}
_DWELLING = (
    "code_epci",
    "code_commune",
    "code_qpv",
    "en_qpv",
    "id_residence",
    "id_batiment",
    "etage",
    "enjeu_mixite",
    "financement",
    "reservataire",
    "nb_pieces",
)


# How each column of a base is filled on the hypothetical row of an allocation, from `j` (one row
# per demand: the demand's facts, the dwelling's facts, its PLUS ceiling and Q1 threshold). A base
# column missing here is unknown (NULL): a criterion on it is not met, like an unknown value in data.
HYPOTHETICAL = {
    "attributions": {
        **{c: c for c in _DWELLING},
        "en_location_depuis_1_an": "en_location_depuis_1_an",
        "composition": "composition",
        "mutation": "mutation",
        "dalo": "dalo",
        "prioritaire": "prioritaire",
        "relogement_anru": "$relogement_anru",
        "premier_quartile": "CASE WHEN seuil_q1_uc IS NULL THEN NULL "
        "ELSE revenu_mensuel * $mois_par_an / uc <= seuil_q1_uc END",
        "delai_attente_jours": "date_diff('day', date_depot, $snapshot)",
    },
    "menages": {
        **{c: c for c in _DWELLING},
        "nb_personnes": "nb_personnes",
        "composition": "composition",
        "rfr_connu": "revenu_mensuel IS NOT NULL",
        "revenu_par_uc": "revenu_mensuel * $mois_par_an / uc",
        "ratio_plafond_plus": "revenu_mensuel * $mois_par_an / plafond_plus",
        "financement_plafonne": "financement IN ($plai, $plus, $pls)",
        "anciennete": "$anciennete_entree",
        "sous_occupation": rules.under_occupied("nb_pieces", "nb_personnes"),
        "sur_occupation": rules.over_occupied("surface_habitable", "nb_personnes"),
    },
}

# Shown on the hypothetical rows though no filter reads them: when the allocation would be counted.
_EXTRA = {"attributions": {"date_attribution": "CAST($snapshot AS DATE)"}}


def _statement(sql: str, params: _Params) -> Statement:
    used = {k: v for k, v in params.values.items() if re.search(rf"\${k}\b", sql)}
    return Statement(sql, used)


def _new_params(snapshot: dt.date) -> _Params:
    params = _Params()
    params.values.update(_RULES, snapshot=snapshot, annee=snapshot.year)
    params.values.update(rules.occupancy_parameters())
    return params


def build_vacant_dwellings(
    catalogue: Catalogue, scope: Scope, snapshot: dt.date, where: tuple[tuple[str, tuple], ...]
) -> Statement:
    """Vacant dwellings in scope, with their place and facts (filters already checked)."""
    params = _new_params(snapshot)
    filters = "".join(
        f"\n    AND {catalogue.dimensions[d].column} IN ({', '.join(params.bind(v) for v in vals)})"
        for d, vals in where
    )
    sql = (
        "-- allocation aid: vacant dwellings in scope\n"
        "SELECT id_logement, id_residence AS residence, nom_residence AS residence_libelle,\n"
        "  id_batiment AS batiment, nom_batiment AS batiment_libelle, code_commune AS commune,\n"
        "  nom_commune AS commune_libelle, code_epci AS epci, nom_epci AS epci_libelle,\n"
        "  en_qpv, code_qpv AS qpv, nom_qpv AS qpv_libelle, enjeu_mixite, etage, nb_pieces,\n"
        "  surface_habitable, loyer_mensuel, financement, reservataire, date_debut_vacance,\n"
        "  date_diff('day', date_debut_vacance, snapshot_date) AS jours_vacance\n"
        "FROM logements\nWHERE snapshot_date = $snapshot\n    AND mode_occupation = $vacant\n"
        f"    AND {_scope(scope, params)}{filters}\n"
        "ORDER BY epci, commune, residence, id_logement"
    )
    return _statement(sql, params)


def build_dwelling(scope: Scope, snapshot: dt.date, id_logement: str) -> Statement:
    """One dwelling if it is in scope (no row otherwise), with what the allocation aid needs."""
    params = _new_params(snapshot)
    params.values["id_logement"] = id_logement
    sql = (
        "-- allocation aid: one dwelling within the user's scope\n"
        "SELECT id_logement, mode_occupation, code_epci, nom_epci, code_commune, nom_commune,\n"
        "  zone_plafonds, en_qpv, code_qpv, id_residence, nom_residence, enjeu_mixite,\n"
        "  id_batiment, nom_batiment, etage, nb_pieces, surface_habitable, financement,\n"
        "  loyer_mensuel, reservataire\n"
        "FROM logements\nWHERE snapshot_date = $snapshot AND id_logement = $id_logement\n"
        f"    AND {_scope(scope, params)}"
    )
    return _statement(sql, params)


def _dwelling_and_demands(scope: Scope, params: _Params, demand_filter: str) -> str:
    """CTEs lg (the dwelling, its Q1 threshold and ceiling year, latest year <= the snapshot's)
    and d (demands in scope, with n = persons + 1 for a single-parent family)."""
    return (
        "WITH lg AS (\n  SELECT l.*,\n"  # noqa: S608 (identifiers ours, values bound)
        "    (SELECT arg_max(s.seuil_q1_uc, s.annee) FROM seuils_q1 s\n"
        "     WHERE s.code_epci = l.code_epci AND s.annee <= $annee) AS seuil_q1_uc,\n"
        "    (SELECT max(p.annee) FROM plafonds p\n"
        "     WHERE p.zone_plafonds = l.zone_plafonds AND p.annee <= $annee) AS annee_plafonds\n"
        "  FROM logements l\n  WHERE l.snapshot_date = $snapshot AND l.id_logement = $id_logement\n"
        f"    AND {_scope(scope, params)}\n), d AS (\n"
        "  SELECT *, nb_personnes + CASE WHEN composition = $monoparentale THEN 1 ELSE 0 END\n"
        "    AS n_plafond\n  FROM demandes\n"
        f"  WHERE snapshot_date = $snapshot AND {demand_filter}\n"
        f"    AND {_scope(scope, params)}\n)"
    )


def _ceiling(financement: str) -> str:
    """Ceiling of the household's category for a financement, extra persons beyond 6 included."""
    col = financement.lower()
    return f"p.plafond_{col} + greatest(d.n_plafond - $categorie_max, 0) * p.sup_{col}"


_CEILING_JOIN = (
    "LEFT JOIN plafonds p ON p.zone_plafonds = lg.zone_plafonds AND p.annee = lg.annee_plafonds\n"
    "  AND p.categorie = least(d.n_plafond, $categorie_max)"
)


def build_candidates(
    scope: Scope, snapshot: dt.date, id_logement: str, *, same_epci: bool
) -> Statement:
    """Every active demand of the dwelling's EPCI in scope, with the facts and the result of each
    fit test (the caller keeps those that pass, or words the reasons of those that do not). The
    rent burden is not a fit test: the caller computes it as information."""
    params = _new_params(snapshot)
    params.values.update(id_logement=id_logement)
    pool = "code_epci = (SELECT code_epci FROM lg)"
    ceiling = (
        f"CASE lg.financement WHEN $plai THEN {_ceiling('PLAI')} "
        f"WHEN $plus THEN {_ceiling('PLUS')} WHEN $pls THEN {_ceiling('PLS')} END"
    )
    commune_test = "FALSE" if same_epci else "d.code_commune <> lg.code_commune"
    sql = (
        "-- allocation aid: active demands for one vacant dwelling, with each fit test\n"  # noqa: S608 (identifiers ours, values bound)
        f"{_dwelling_and_demands(scope, params, pool)}, c AS (\n"
        "  SELECT d.*, lg.code_commune AS commune_logement, lg.nom_commune AS nom_commune_logement,\n"
        "    lg.financement, lg.zone_plafonds, lg.annee_plafonds, lg.nb_pieces AS pieces_logement,\n"
        "    lg.surface_habitable, lg.loyer_mensuel,\n"
        f"    least(d.n_plafond, $categorie_max) AS categorie, {ceiling} AS plafond_ressources,\n"
        f"    {rules.surface_minimum('d.nb_personnes')} AS surface_minimum,\n"
        f"    {commune_test} AS hors_commune\n"
        f"  FROM d CROSS JOIN lg\n  {_CEILING_JOIN}\n)\n"
        "SELECT id_demande, date_depot,\n"
        "  CAST(floor(date_diff('day', date_depot, snapshot_date) / $jours_par_mois) AS INTEGER)\n"
        "    AS anciennete_demande_mois,\n"
        "  nb_personnes, nb_moins_14, composition, revenu_mensuel, premier_quartile, dalo,\n"
        "  prioritaire, mutation, delai_depasse, delai_anormal_mois, cotation, loyer_mensuel,\n"
        "  code_commune AS commune_souhaitee, nom_commune AS commune_souhaitee_libelle,\n"
        "  nb_pieces AS nb_pieces_souhaitees, revenu_mensuel * $mois_par_an AS revenu_annuel_estime,\n"
        "  financement, zone_plafonds, annee_plafonds, n_plafond, categorie, plafond_ressources,\n"
        "  surface_minimum, surface_habitable, pieces_logement, nom_commune_logement,\n"
        "  hors_commune,\n"
        "  surface_habitable < surface_minimum AS sur_occupation,\n"
        f"  {rules.under_occupied('pieces_logement', 'nb_personnes')} AS sous_occupation,\n"
        "  financement IN ($plai, $plus, $pls) AND plafond_ressources IS NULL AS plafond_inconnu,\n"
        "  COALESCE(revenu_mensuel * $mois_par_an > plafond_ressources, FALSE)\n"
        "    AS au_dessus_plafond,\n"
        "  revenu_mensuel IS NULL OR revenu_mensuel <= 0 AS ressources_inconnues\n"
        "FROM c\nORDER BY id_demande"
    )
    return _statement(sql, params)


def build_hypothetical(
    catalogue: Catalogue,
    scope: Scope,
    snapshot: dt.date,
    id_logement: str,
    ids_demande: Sequence[str],
    measures: Mapping[str, tuple[str, Filter]],
    contingent: str | None = None,
) -> Statement:
    """One row per demand: id_demande, premier_quartile and, per measure name, 1 when the
    hypothetical row of its base (attributions or menages: the allocation of this dwelling to this
    demand) passes the measure's filter, else 0 — the definitions' filters rendered by the builder."""
    params = _new_params(snapshot)
    params.values["id_logement"] = id_logement
    # under flux management the allocation counts for the contingent it is made on, which the
    # commission chooses; by default the dwelling's own
    filled = dict(HYPOTHETICAL)
    if contingent is not None:
        params.values["contingent"] = contingent
        filled["attributions"] = {**HYPOTHETICAL["attributions"], "reservataire": "$contingent"}
    ids = ", ".join(params.bind(i) for i in ids_demande)
    ctes = [
        _dwelling_and_demands(scope, params, f"id_demande IN ({ids})"),
        "j AS (\n  -- one row per demand: its facts, the dwelling's, the PLUS ceiling of its category\n"  # noqa: S608 (identifiers ours, values bound)
        "  SELECT d.id_demande, d.nb_personnes, d.composition, d.revenu_mensuel, d.uc, d.dalo,\n"
        "    d.prioritaire, d.mutation, d.date_depot, lg.seuil_q1_uc, lg.surface_habitable,\n"
        "    lg.en_location_depuis_1_an,\n"
        f"    {', '.join(f'lg.{c}' for c in _DWELLING[:6])},\n"
        f"    {', '.join(f'lg.{c}' for c in _DWELLING[6:])},\n"
        f"    {_ceiling('PLUS')} AS plafond_plus\n  FROM d CROSS JOIN lg\n  {_CEILING_JOIN}\n)",
    ]
    finals = ["id_demande", "h_attributions.premier_quartile"]
    joins = []
    for base in ("attributions", "menages"):
        cols = []
        for col, col_def in catalogue.bases[base].columns.items():
            expr = filled[base].get(col, "NULL")
            cols.append(f"CAST({expr} AS {_SQL_TYPES[col_def.type]}) AS {col}")
        cols += [f"{expr} AS {col}" for col, expr in _EXTRA.get(base, {}).items()]
        ctes.append(
            f"h_{base} AS (\n  -- hypothetical {base} row\n  SELECT id_demande,\n    "  # noqa: S608 (identifiers ours, values bound)
            + ",\n    ".join(cols)
            + "\n  FROM j\n)"
        )
        tests = []
        for name, (measure_base, flt) in measures.items():
            if measure_base not in HYPOTHETICAL or not name.isidentifier():
                raise ValueError(f"mesure hypothétique invalide : {name} ({measure_base})")
            if measure_base == base:
                pred = _filter(flt, params)
                tests.append(f"CASE WHEN {pred or 'TRUE'} THEN 1 ELSE 0 END AS {name}")
                finals.append(f"e_{base}.{name}")
        ctes.append(
            f"e_{base} AS (\n  SELECT id_demande,\n    "  # noqa: S608 (identifiers ours, values bound)
            + ",\n    ".join(tests or ["0 AS rien"])
            + f"\n  FROM h_{base}\n)"
        )
        joins.append(f"JOIN e_{base} USING (id_demande)")
    sql = (
        "-- allocation aid: hypothetical allocation of one dwelling to each demand, the\n"
        "-- definitions' filters evaluated on its rows (1 = would count; unknown never counts)\n"
        + ",\n".join(ctes)
        + f"\nSELECT {', '.join(finals)}\nFROM h_attributions\n"
        + "\n".join(joins)
        + "\nORDER BY id_demande"
    )
    return _statement(sql, params)


def unknown_columns(catalogue: Catalogue, base: str, flt: Filter) -> list[str]:
    """Descriptions of the columns a filter reads that the hypothetical row leaves unknown."""
    conditions = [c for item in flt for c in (item.of if isinstance(item, AtLeast) else (item,))]
    return [
        catalogue.bases[base].columns[c.column].description
        for c in conditions
        if c.column not in HYPOTHETICAL[base]
    ]
