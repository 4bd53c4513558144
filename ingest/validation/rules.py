"""The rules of the data contract that column attributes cannot express, written as checks.

Each rule names the table it reports on (aliased `t`), the columns it reads and the condition an
offending row meets; see ingest.validation.checks for the SQL conventions.
"""

from __future__ import annotations

from ingest.validation.checks import LABEL, Check, literal


def _row_rule(rule: str, table: str, columns: tuple[str, ...], where: str, message: str) -> Check:
    """A rule on one row of `table`: the example shows the row and the values of `columns`."""
    shown = ", ".join(f"{literal(c + '=')} || txt(t.{c})" for c in columns)
    return Check(
        rule,
        table,
        columns[0],
        tuple(f"{table}.{c}" for c in columns),
        # S608: built from the literal rules of this module, with no value from the data.
        f"SELECT t.file_row_number AS pos, {LABEL} || ' (' || concat_ws(', ', {shown}) || ')' "  # noqa: S608
        f"AS example FROM {table} t WHERE {where}",
        message,
    )


def _after_snapshot(table: str, column: str, what: str) -> Check:
    return _row_rule(
        "date_out_of_period",
        table,
        (column,),
        f"CAST(t.{column} AS DATE) > $snapshot",
        f"{what} postérieure à la date d'arrêté de la photographie (nom du dossier date=…). Corrigez "
        "la date, ou placez la ligne dans une photographie plus récente.",
    )


def _household_size(table: str) -> Check:
    return _row_rule(
        "household_size",
        table,
        ("nb_personnes",),
        "t.nb_personnes < 1",
        "nb_personnes doit valoir au moins 1 (le titulaire compte).",
    )


def _coordinates(table: str) -> list[Check]:
    hint = "en degrés décimaux WGS84; lat et lon inversées, ou coordonnées en Lambert 93 ?"
    return [
        _row_rule(
            "coordinate_out_of_range",
            table,
            ("lat",),
            "t.lat < -90 OR t.lat > 90",
            f"lat doit être une latitude entre -90 et 90 {hint}",
        ),
        _row_rule(
            "coordinate_out_of_range",
            table,
            ("lon",),
            "t.lon < -180 OR t.lon > 180",
            f"lon doit être une longitude entre -180 et 180 {hint}",
        ),
    ]


def _not_positive(table: str, column: str) -> Check:
    return _row_rule(
        "not_positive",
        table,
        (column,),
        f"t.{column} <= 0",
        f"{column} doit être un montant strictement positif (€ par an).",
    )


# The children rules only look at households of one person or more: an empty household is
# reported once, by household_size, rather than again as "no adult".
MENAGE_RULES = [
    _row_rule(
        "children_count",
        "menages",
        ("nb_moins_14", "nb_enfants"),
        "t.nb_moins_14 < 0 OR t.nb_moins_14 > t.nb_enfants",
        "nb_moins_14 doit être entre 0 et nb_enfants: les moins de 14 ans font partie des enfants à "
        "charge. Corrigez l'un des deux nombres.",
    ),
    _row_rule(
        "children_count",
        "menages",
        ("nb_enfants", "nb_personnes"),
        "t.nb_personnes >= 1 AND (t.nb_enfants < 0 OR t.nb_enfants >= t.nb_personnes)",
        "nb_enfants doit être entre 0 et nb_personnes - 1: le ménage compte au moins un adulte, "
        "le titulaire. Corrigez l'un des deux nombres.",
    ),
    _household_size("menages"),
    _after_snapshot("menages", "date_entree", "Date d'entrée"),
    Check(
        "household_in_non_let_dwelling",
        "menages",
        "id_logement",
        ("menages.id_logement", "logements.id_logement", "logements.mode_occupation"),
        "SELECT t.file_row_number AS pos, {label} || ' -> ' || txt(l.id_logement) || ' (' "
        "|| txt(l.mode_occupation) || ')' AS example "
        "FROM menages t JOIN logements l ON l.id_logement = t.id_logement "
        "WHERE l.mode_occupation <> 'loue'",
        "Ménage logé dans un logement dont mode_occupation n'est pas « loue ». Passez le logement "
        "à « loue » ou retirez le ménage de menages.parquet.",
    ),
]

LOGEMENT_RULES = [
    # A let or vacant (offered) dwelling is in service; an empty one ("vide": a new building not
    # yet offered) may have its first letting ahead.
    _row_rule(
        "date_out_of_period",
        "logements",
        ("date_mise_en_location", "mode_occupation"),
        "t.mode_occupation IN ('loue', 'vacant') AND "
        "CAST(t.date_mise_en_location AS DATE) > $snapshot",
        "Date de mise en location postérieure à la date d'arrêté pour un logement loué ou "
        "vacant (proposé à la location). Corrigez la date, ou passez le logement à « vide ».",
    ),
    Check(
        "residence_mismatch",
        "logements",
        "id_residence",
        ("logements.id_residence", "logements.id_batiment", "batiments.id_batiment")
        + ("batiments.id_residence",),
        "SELECT t.file_row_number AS pos, {label} || ' (id_residence=' || txt(t.id_residence) "
        "|| ', bâtiment ' || txt(b.id_batiment) || ' en ' || txt(b.id_residence) || ')' AS example "
        "FROM logements t JOIN batiments b ON b.id_batiment = t.id_batiment "
        "WHERE t.id_residence <> b.id_residence",
        "id_residence du logement différent de celui de son bâtiment (batiments.parquet). Corrigez "
        "l'un ou l'autre pour qu'ils désignent la même résidence.",
    ),
    Check(
        "etage_out_of_range",
        "logements",
        "etage",
        ("logements.etage", "logements.id_batiment", "batiments.id_batiment")
        + ("batiments.nb_etages",),
        "SELECT t.file_row_number AS pos, {label} || ' (etage=' || txt(t.etage) || ', bâtiment ' "
        "|| txt(b.id_batiment) || ': nb_etages=' || txt(b.nb_etages) || ')' AS example "
        "FROM logements t LEFT JOIN batiments b ON b.id_batiment = t.id_batiment "
        "WHERE t.etage < 0 OR t.etage > b.nb_etages",
        "etage doit être entre 0 (rez-de-chaussée) et le nb_etages du bâtiment. Corrigez l'étage "
        "du logement ou le nombre d'étages du bâtiment.",
    ),
    _row_rule(
        "vacancy_date",
        "logements",
        ("date_debut_vacance", "mode_occupation"),
        "t.mode_occupation = 'vacant' AND "
        "(t.date_debut_vacance IS NULL OR CAST(t.date_debut_vacance AS DATE) > $snapshot)",
        "Un logement vacant doit avoir une date_debut_vacance, antérieure ou égale à la date "
        "d'arrêté. Renseignez ou corrigez la date.",
    ),
]

EVENT_RULES = [
    _after_snapshot("departs", "date_depart", "Date de départ"),
    _row_rule(
        "date_order",
        "departs",
        ("date_entree", "date_depart"),
        "CAST(t.date_entree AS DATE) > CAST(t.date_depart AS DATE)",
        "date_entree postérieure à date_depart: un ménage part après être entré. Corrigez l'une "
        "des deux dates.",
    ),
    _after_snapshot("attributions", "date_attribution", "Date d'attribution"),
    _row_rule(
        "date_order",
        "attributions",
        ("date_depot_demande", "date_attribution"),
        "CAST(t.date_depot_demande AS DATE) > CAST(t.date_attribution AS DATE)",
        "date_depot_demande postérieure à date_attribution: la demande est déposée avant "
        "l'attribution. Corrigez l'une des deux dates.",
    ),
    _household_size("attributions"),
    _household_size("demandes"),
    *(
        _row_rule(
            "children_count",
            table,
            ("nb_moins_14", "nb_personnes"),
            "t.nb_personnes >= 1 AND (t.nb_moins_14 < 0 OR t.nb_moins_14 >= t.nb_personnes)",
            "nb_moins_14 doit être entre 0 et nb_personnes - 1: le ménage compte au moins un "
            "adulte. Corrigez l'un des deux nombres.",
        )
        for table in ("attributions", "demandes")
    ),
    _after_snapshot("demandes", "date_depot", "Date de dépôt"),
]

REFERENCE_RULES = [
    _row_rule(
        "bad_format",
        "territoires",
        ("code_commune",),
        "length(t.code_commune) <> 5",
        "code_commune doit être le code INSEE à 5 caractères (ex. 31555, 2A004): gardez le zéro "
        "initial (01004, pas 1004).",
    ),
    _row_rule(
        "bad_format",
        "territoires",
        ("code_epci",),
        "NOT regexp_full_match(t.code_epci, '[0-9]{9}')",
        "code_epci doit être le SIREN de l'EPCI: 9 chiffres, sans espace.",
    ),
    *_coordinates("territoires"),
    _row_rule(
        "out_of_range",
        "plafonds",
        ("categorie",),
        "t.categorie < 1 OR t.categorie > 6",
        "categorie doit être entre 1 et 6 (catégories de ménage des plafonds de ressources).",
    ),
    _not_positive("plafonds", "plafond"),
    _not_positive("plafonds", "plafond_personne_sup"),
    Check(
        "inconsistent_value",
        "plafonds",
        "plafond_personne_sup",
        ("plafonds.annee", "plafonds.zone_plafonds", "plafonds.financement")
        + ("plafonds.plafond_personne_sup",),
        "SELECT t.file_row_number AS pos, {label} || ' (' || txt(t.annee) || ' ' "
        "|| txt(t.zone_plafonds) || ' ' || txt(t.financement) || ': ' "
        "|| txt(t.plafond_personne_sup) || ')' AS example FROM plafonds t JOIN ("
        "SELECT annee, zone_plafonds, financement FROM plafonds GROUP BY ALL "
        "HAVING count(DISTINCT plafond_personne_sup) > 1) g ON g.annee = t.annee "
        "AND g.zone_plafonds = t.zone_plafonds AND g.financement = t.financement",
        "plafond_personne_sup doit être le même sur toutes les lignes d'un même annee, "
        "zone_plafonds et financement. Alignez ces montants.",
    ),
    _not_positive("seuils_q1", "seuil_q1_uc"),
    _row_rule(
        "out_of_range",
        "attributions_territoire",
        ("nb_attributions",),
        "t.nb_attributions < 0",
        "nb_attributions doit être un nombre d'attributions positif ou nul.",
    ),
]

# A refusal says why; no other outcome carries a reason.
PROPOSITION_RULES = [
    _row_rule(
        "inconsistent_value",
        "propositions",
        ("motif_refus", "issue"),
        "(t.issue = 'refusee_demandeur') <> (t.motif_refus IS NOT NULL)",
        "motif_refus est attendu pour un refus du demandeur (issue refusee_demandeur), et "
        "seulement pour lui : renseignez le motif du refus, ou videz-le pour les autres issues.",
    ),
    _after_snapshot("propositions", "date_commission", "Date de commission"),
]

SNAPSHOT_RULES = [
    *_coordinates("residences"),
    *_coordinates("batiments"),
    *LOGEMENT_RULES,
    *MENAGE_RULES,
    *EVENT_RULES,
    *PROPOSITION_RULES,
]

RULES: tuple[Check, ...] = (*REFERENCE_RULES, *SNAPSHOT_RULES)
