"""The data contract: the tables of a data root, their columns, types, allowed values and links.

This module is the single written form of the contract. The validator, the demo generator, the
importer and the query engine all read it, so a column added here is checked, generated, imported
and loaded everywhere. Where each table lives in a data root is `dataroot.layout`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Logical types. Each maps to the Arrow/pandas types accepted for it (see ingest.validation.files).
STRING, INT, DOUBLE, BOOL, DATE = "string", "int", "double", "bool", "date"

ZONES_PLAFONDS = ("paris_limitrophes", "idf", "autres")
FINANCEMENTS_LOGEMENT = ("PLAI", "PLUS", "PLS", "PLI", "AUTRE")
FINANCEMENTS_PLAFOND = ("PLAI", "PLUS", "PLS")
MODES_OCCUPATION = ("loue", "vacant", "vide", "autre")
RESERVATAIRES = ("etat", "action_logement", "collectivite", "bailleur", "autre")
COMPOSITIONS = (
    "personne_seule",
    "couple_sans_enfant",
    "couple_avec_enfants",
    "monoparentale",
    "autre",
)
SITUATIONS_TITULAIRE = ("emploi", "chomage", "retraite", "inactif", "etudiant")
MOTIFS_DEPART = ("mutation_interne", "autre")
# Outcome of a proposition (its last state): the applicant's answer once the CALEOL has allocated,
# or the CALEOL's own decision (CCH R441-3): allocation (awaiting the answer), allocation on a
# condition, no allocation, rejection as inadmissible.
ISSUES_PROPOSITION = (
    "acceptee",
    "refusee_demandeur",
    "attribution",
    "attribution_sous_condition",
    "non_attribution",
    "rejet_irrecevabilite",
)
MOTIFS_REFUS = (
    "localisation",
    "typologie_surface",
    "loyer_charges",
    "etat_logement",
    "environnement",
    "situation_changee",
    "sans_reponse",
    "autre",
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = False
    required: bool = True
    allowed: tuple[str, ...] | None = None
    unique: bool = False
    # "table.column" this column must point to (nulls are allowed when nullable)
    references: str | None = None
    help: str = ""
    # the plausible range of a number (bounds included; None: no bound), and its unit in words
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    folder: str  # "reference" or "snapshot"
    columns: tuple[Column, ...]
    help: str = ""
    unique_together: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    optional: bool = False  # a data root may leave it out; validated when present

    @property
    def filename(self) -> str:
        return f"{self.name}.parquet"

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


def _c(name: str, type_: str, **kw: Any) -> Column:
    return Column(name, type_, **kw)


TERRITOIRES = Table(
    "territoires",
    "reference",
    (
        _c("code_commune", STRING, unique=True, help="code INSEE, 5 caractères"),
        _c("nom_commune", STRING),
        _c("code_epci", STRING, help="SIREN de l'EPCI, 9 chiffres"),
        _c("nom_epci", STRING),
        _c("code_departement", STRING),
        _c("zone_plafonds", STRING, allowed=ZONES_PLAFONDS),
        _c("lat", DOUBLE),
        _c("lon", DOUBLE),
        _c("geometry", STRING, nullable=True, required=False, help="GeoJSON WGS84"),
    ),
    help="une ligne par commune",
)

QPV = Table(
    "qpv",
    "reference",
    (
        _c("code_qpv", STRING, unique=True),
        _c("nom_qpv", STRING),
        _c("code_commune", STRING, references="territoires.code_commune"),
        _c("geometry", STRING, help="GeoJSON Polygon/MultiPolygon WGS84"),
    ),
)

PLAFONDS = Table(
    "plafonds",
    "reference",
    (
        _c("annee", INT),
        _c("zone_plafonds", STRING, allowed=ZONES_PLAFONDS),
        _c("financement", STRING, allowed=FINANCEMENTS_PLAFOND),
        _c("categorie", INT),
        _c("plafond", DOUBLE),
        _c("plafond_personne_sup", DOUBLE),
    ),
    unique_together=(("annee", "zone_plafonds", "financement", "categorie"),),
)

SEUILS_Q1 = Table(
    "seuils_q1",
    "reference",
    (
        _c("annee", INT),
        _c("code_epci", STRING),
        _c("seuil_q1_uc", DOUBLE),
    ),
    unique_together=(("annee", "code_epci"),),
)

DELAIS_ANORMAUX = Table(
    "delais_anormaux",
    "reference",
    (
        _c("code_departement", STRING, unique=True),
        _c(
            "delai_mois",
            INT,
            help="délai d'attente anormalement long, en mois (arrêté préfectoral)",
        ),
    ),
    help="facultatif : le délai anormalement long de chaque département (CCH L441-1-4)",
    optional=True,
)

RESIDENCES = Table(
    "residences",
    "snapshot",
    (
        _c("id_residence", STRING, unique=True),
        _c("nom_residence", STRING),
        _c("code_commune", STRING, references="territoires.code_commune"),
        _c("code_qpv", STRING, nullable=True, references="qpv.code_qpv"),
        _c("lat", DOUBLE),
        _c("lon", DOUBLE),
        _c("annee_construction", INT),
        _c("enjeu_mixite", BOOL),
    ),
)

BATIMENTS = Table(
    "batiments",
    "snapshot",
    (
        _c("id_batiment", STRING, unique=True),
        _c("id_residence", STRING, references="residences.id_residence"),
        _c("nom_batiment", STRING),
        _c("nb_etages", INT),
        _c("lat", DOUBLE, nullable=True, required=False),
        _c("lon", DOUBLE, nullable=True, required=False),
    ),
)

LOGEMENTS = Table(
    "logements",
    "snapshot",
    (
        _c("id_logement", STRING, unique=True),
        _c("id_batiment", STRING, references="batiments.id_batiment"),
        _c("id_residence", STRING, references="residences.id_residence"),
        _c("etage", INT),
        _c("nb_pieces", INT, minimum=1, maximum=15, unit="pièces"),
        # 9 m²: the smallest decent dwelling (décret 2002-120); 500 m²: a typing error
        _c("surface_habitable", DOUBLE, minimum=9, maximum=500, unit="m²"),
        _c("financement", STRING, allowed=FINANCEMENTS_LOGEMENT),
        _c("loyer_mensuel", DOUBLE, minimum=0, maximum=10_000, unit="€ par mois"),
        _c("mode_occupation", STRING, allowed=MODES_OCCUPATION),
        _c("date_debut_vacance", DATE, nullable=True),
        _c("date_mise_en_location", DATE),
        _c("reservataire", STRING, allowed=RESERVATAIRES),
    ),
)

MENAGES = Table(
    "menages",
    "snapshot",
    (
        _c("id_menage", STRING, unique=True),
        _c("id_logement", STRING, unique=True, references="logements.id_logement"),
        _c("date_entree", DATE),
        _c("nb_personnes", INT),
        _c("nb_enfants", INT),
        _c("nb_moins_14", INT),
        _c("composition", STRING, allowed=COMPOSITIONS),
        _c("age_titulaire", INT, minimum=16, maximum=120, unit="ans"),
        _c("revenu_fiscal_reference", DOUBLE, nullable=True),
        _c("situation_titulaire", STRING, allowed=SITUATIONS_TITULAIRE),
        _c("beneficiaire_apl", BOOL),
    ),
)

DEPARTS = Table(
    "departs",
    "snapshot",
    (
        _c("id_menage", STRING),
        _c("id_logement", STRING, references="logements.id_logement"),
        _c("date_entree", DATE),
        _c("date_depart", DATE),
        _c("motif", STRING, allowed=MOTIFS_DEPART),
    ),
)

ATTRIBUTIONS = Table(
    "attributions",
    "snapshot",
    (
        _c("id_attribution", STRING, unique=True),
        _c("id_logement", STRING, references="logements.id_logement"),
        _c("date_attribution", DATE),
        _c("date_depot_demande", DATE),
        _c("nb_personnes", INT),
        _c("nb_moins_14", INT),
        _c("composition", STRING, allowed=COMPOSITIONS),
        _c("revenu_mensuel", DOUBLE, minimum=0, unit="€ par mois"),
        _c("dalo", BOOL),
        _c("prioritaire", BOOL),
        _c("grande_precarite", BOOL),
        _c("mutation", BOOL),
        _c("relogement_anru", BOOL),
        _c("reservataire", STRING, allowed=RESERVATAIRES),
        _c(
            "cotation",
            DOUBLE,
            nullable=True,
            required=False,
            help="facultatif : points de cotation de la demande au jour de l'attribution",
        ),
    ),
)

DEMANDES = Table(
    "demandes",
    "snapshot",
    (
        _c("id_demande", STRING, unique=True),
        _c("date_depot", DATE),
        _c("code_commune_souhaitee", STRING, references="territoires.code_commune"),
        _c("nb_pieces_souhaite", INT),
        _c("nb_personnes", INT),
        _c("nb_moins_14", INT),
        _c("composition", STRING, allowed=COMPOSITIONS),
        _c("revenu_mensuel", DOUBLE),
        _c("dalo", BOOL),
        _c("prioritaire", BOOL),
        _c("mutation", BOOL),
        _c(
            "cotation",
            DOUBLE,
            nullable=True,
            required=False,
            help="facultatif : points de cotation de la demande (grille de l'EPCI)",
        ),
    ),
)

PROPOSITIONS = Table(
    "propositions",
    "snapshot",
    (
        _c("id_proposition", STRING, unique=True),
        _c(
            "id_demande", STRING, help="numéro unique de la demande (elle peut ne plus être active)"
        ),
        _c("id_logement", STRING, references="logements.id_logement"),
        _c("date_commission", DATE, help="date de la CALEOL qui a examiné la candidature"),
        _c("issue", STRING, allowed=ISSUES_PROPOSITION),
        _c(
            "motif_refus",
            STRING,
            nullable=True,
            allowed=MOTIFS_REFUS,
            help="motif du refus du demandeur ; vide pour toute autre issue",
        ),
    ),
    help="facultatif : candidatures examinées en CALEOL et leur issue (une ligne par candidat "
    "et logement)",
    optional=True,
)

ATTRIBUTIONS_TERRITOIRE = Table(
    "attributions_territoire",
    "reference",
    (
        _c("annee", INT),
        _c("code_commune", STRING, references="territoires.code_commune"),
        _c("nb_attributions", INT, help="attributions de l'année, tous bailleurs (SNE)"),
    ),
    help="facultatif : attributions de tous les bailleurs par commune et année civile (SNE)",
    unique_together=(("annee", "code_commune"),),
    optional=True,
)

REFERENCE_TABLES: tuple[Table, ...] = (TERRITOIRES, QPV, PLAFONDS, SEUILS_Q1)
# Reference tables a data root may leave out: read and validated when present.
OPTIONAL_REFERENCE_TABLES: tuple[Table, ...] = (DELAIS_ANORMAUX, ATTRIBUTIONS_TERRITOIRE)
SNAPSHOT_TABLES: tuple[Table, ...] = (
    RESIDENCES,
    BATIMENTS,
    LOGEMENTS,
    MENAGES,
    DEPARTS,
    ATTRIBUTIONS,
    DEMANDES,
)
# Snapshot tables a data root may leave out, snapshot by snapshot: validated when present.
OPTIONAL_SNAPSHOT_TABLES: tuple[Table, ...] = (PROPOSITIONS,)
TABLES: dict[str, Table] = {
    t.name: t
    for t in REFERENCE_TABLES
    + OPTIONAL_REFERENCE_TABLES
    + SNAPSHOT_TABLES
    + OPTIONAL_SNAPSHOT_TABLES
}
# The optional inputs an indicator may need ("table" or "table.column"): without them in a
# snapshot, the indicator is "non disponible pour ces données" there, never 0.
OPTIONAL_INPUTS: tuple[str, ...] = (
    *(t.name for t in OPTIONAL_REFERENCE_TABLES + OPTIONAL_SNAPSHOT_TABLES),
    *(
        f"{t.name}.{c.name}"
        for t in REFERENCE_TABLES + SNAPSHOT_TABLES
        for c in t.columns
        if not c.required
    ),
)
