"""The data contract: the tables of a data root, their columns, types, allowed values and links.

This module is the single written form of the contract. The validator, the demo generator and the
importer all read it, so a column added here is checked, generated and imported everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Logical types. Each maps to the Arrow/pandas types accepted for it (see ingest.validate).
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


def _c(name: str, type_: str, **kw) -> Column:
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

REFERENCE_TABLES: tuple[Table, ...] = (TERRITOIRES, QPV, PLAFONDS, SEUILS_Q1)
# Reference tables a data root may leave out: read and validated when present.
OPTIONAL_REFERENCE_TABLES: tuple[Table, ...] = (DELAIS_ANORMAUX,)
SNAPSHOT_TABLES: tuple[Table, ...] = (
    RESIDENCES,
    BATIMENTS,
    LOGEMENTS,
    MENAGES,
    DEPARTS,
    ATTRIBUTIONS,
    DEMANDES,
)
TABLES: dict[str, Table] = {
    t.name: t for t in REFERENCE_TABLES + OPTIONAL_REFERENCE_TABLES + SNAPSHOT_TABLES
}

REFERENCE_DIR = "reference"
SNAPSHOTS_DIR = "snapshots"
OBJECTIFS_FILE = "objectifs.yaml"
SNAPSHOT_PREFIX = "date="


def snapshot_dirname(date_iso: str) -> str:
    return f"{SNAPSHOT_PREFIX}{date_iso}"


def table_path(root: Path, table: Table, snapshot: str | None = None) -> Path:
    """Where a table lives in a data root (snapshot tables need the snapshot date, ISO)."""
    if table.folder == "reference":
        return root / REFERENCE_DIR / table.filename
    if snapshot is None:
        raise ValueError(f"la table {table.name} est une table de photographie: date requise")
    return root / SNAPSHOTS_DIR / snapshot_dirname(snapshot) / table.filename
