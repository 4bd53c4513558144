"""The contract's tables, cut from the simulated world at each snapshot date.

Static tables (residences, buildings, the dwellings' fixed columns) are the same in every snapshot;
the state (who lives where, which dwelling is vacant) is read from the history at the date; event
tables hold the 12 months ending on the date, so consecutive snapshots share identical rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from dataroot import contract
from ingest import reference_data
from ingest.demo import calibration as cal
from ingest.demo import households as hh
from ingest.demo.dates import one_year_before, to_days, years_of
from ingest.demo.demand import resources_at
from ingest.demo.names import format_ids, id_width
from ingest.demo.propositions import (
    cotation,
    propositions_in,
    territory_allocations,
)
from ingest.demo.stock import Stock
from ingest.demo.tenancies import History
from ingest.demo.territory import Territory
from ingest.demo.writer import to_arrow

LOUE, VACANT = 0, 1  # order of contract.MODES_OCCUPATION
MUTATION_INTERNE, AUTRE_MOTIF = 0, 1  # order of contract.MOTIFS_DEPART
AGE_OF_RETIREMENT_SWITCH = 65  # a worker who reaches this age in the history is shown retired
DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class World:
    territory: Territory
    stock: Stock
    history: History
    demands: pd.DataFrame
    # CALEOL candidacies (ingest.demo.propositions), drawn once for every snapshot
    propositions: pd.DataFrame | None = None

    def entrants(self) -> pd.DataFrame:
        """The tenancies that began with a lease signed in the simulation, by entry date."""
        tenancies = self.history.tenancies
        return tenancies.iloc[len(tenancies) - int(tenancies["entrant"].sum()) :]

    def dwelling_communes(self) -> np.ndarray:
        """The commune code of each dwelling (by dwelling index)."""
        residences, logements = self.stock.residences, self.stock.logements
        return residences["code_commune"].to_numpy()[logements["residence_index"].to_numpy()]

    def ids(self) -> dict[str, pd.Series]:
        """Household, attribution and demand ids: fixed by row order, so stable across snapshots."""
        tenancies = self.history.tenancies
        entrants = int(tenancies["entrant"].sum())
        return {
            "menage": format_ids(
                "M", np.arange(1, len(tenancies) + 1), id_width(len(tenancies), 8)
            ),
            "attribution": format_ids("A", np.arange(1, entrants + 1), id_width(entrants, 7)),
            "demande": format_ids(
                "D", np.arange(1, len(self.demands) + 1), id_width(len(self.demands), 8)
            ),
        }


# The "délai anormalement long" of each département of the demo, in months. Illustrative: each
# préfet sets the figure by arrêté (CCH L441-1-4); put the official one in
# reference/delais_anormaux.parquet of a real data root.
DEMO_DELAIS_ANORMAUX_MOIS = {"38": 24}


def reference_tables(world: World, last_snapshot: date) -> dict[str, pa.Table]:
    """territoires, qpv, plafonds, seuils_q1, delais_anormaux and attributions_territoire (the
    complete calendar years up to `last_snapshot`), as Arrow tables typed by the contract."""
    communes = world.territory.communes
    plafonds = reference_data.plafonds_table()
    seuils = reference_data.seuils_q1_table(
        sorted(communes["code_epci"].unique()), illustrative_unknown=True
    )
    departements = sorted(set(communes["code_departement"]) & set(DEMO_DELAIS_ANORMAUX_MOIS))
    delais = pd.DataFrame(
        {
            "code_departement": departements,
            "delai_mois": [DEMO_DELAIS_ANORMAUX_MOIS[d] for d in departements],
        }
    )
    entrants = world.entrants()
    first_year = int(years_of(entrants["entry"].to_numpy()[:1])[0]) + 1  # the first one is partial
    last_year = last_snapshot.year - (
        0 if (last_snapshot.month, last_snapshot.day) == (12, 31) else 1
    )
    allocations = territory_allocations(
        entrants,
        pd.Series(world.dwelling_communes()[entrants["dwelling"].to_numpy()]),
        range(first_year, last_year + 1),
    )
    frames = {
        contract.TERRITOIRES: communes,
        contract.QPV: world.territory.qpv,
        contract.PLAFONDS: plafonds,
        contract.SEUILS_Q1: seuils,
        contract.DELAIS_ANORMAUX: delais,
        contract.ATTRIBUTIONS_TERRITOIRE: allocations,
    }
    return {
        table.name: to_arrow(table, {c.name: frame[c.name] for c in table.columns})
        for table, frame in frames.items()
    }


def static_tables(world: World) -> dict[str, pa.Table]:
    """residences and batiments: identical in every snapshot."""
    residences, batiments = world.stock.residences, world.stock.batiments
    return {
        "residences": to_arrow(
            contract.RESIDENCES, {c.name: residences[c.name] for c in contract.RESIDENCES.columns}
        ),
        "batiments": to_arrow(
            contract.BATIMENTS, {c.name: batiments[c.name] for c in contract.BATIMENTS.columns}
        ),
    }


def labels(values: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """String column from integer codes into a label tuple."""
    return pa.array(values, pa.string()).take(pa.array(np.asarray(codes, dtype=np.int64)))


def snapshot_tables(world: World, ids: dict[str, pd.Series], snapshot: date) -> dict[str, pa.Table]:
    """The tables that change with the date: state on the date, events of its 12-month period."""
    day = to_days(snapshot)
    period_start = to_days(one_year_before(snapshot))  # excluded
    tenancies = world.history.tenancies
    living = np.flatnonzero(
        (tenancies["entry"].to_numpy() <= day) & (tenancies["departure"].to_numpy() > day)
    )
    living = living[np.argsort(tenancies["dwelling"].to_numpy()[living], kind="stable")]
    return {
        "logements": dwellings_at(world, day, tenancies["dwelling"].to_numpy()[living]),
        "menages": households_at(world, ids, day, living),
        "departs": departures_in(world, ids, period_start, day),
        "attributions": attributions_in(world, ids, period_start, day),
        "demandes": demands_at(world, ids, day),
        "propositions": propositions_in(
            world.propositions, world.stock.logements["id_logement"], period_start, day
        ),
    }


def dwellings_at(world: World, day: int, occupied: np.ndarray) -> pa.Table:
    """Dwellings with their state on ``day``; checks that each rentable one is let xor vacant."""
    logements, vacancies = world.stock.logements, world.history.vacancies
    fixed = logements["fixed_mode"].to_numpy()
    mode = np.full(len(logements), -1, dtype=np.int64)
    for code, name in enumerate(contract.MODES_OCCUPATION):
        mode[fixed == name] = code
    mode[occupied] = LOUE
    open_ = (vacancies["start"].to_numpy() <= day) & (vacancies["end"].to_numpy() > day)
    vacant = vacancies["dwelling"].to_numpy()[open_]
    mode[vacant] = VACANT
    start = np.zeros(len(logements), dtype=np.int64)
    start[vacant] = vacancies["start"].to_numpy()[open_]
    covered = np.bincount(np.concatenate([occupied, vacant]), minlength=len(logements))
    if (covered[fixed == ""] != 1).any() or (mode < 0).any():
        raise AssertionError("historique incohérent: un logement ni loué ni vacant, ou les deux")
    columns = {c.name: logements[c.name] for c in contract.LOGEMENTS.columns if c.name in logements}
    columns["mode_occupation"] = labels(contract.MODES_OCCUPATION, mode)
    columns["date_debut_vacance"] = start
    return to_arrow(contract.LOGEMENTS, columns, masks={"date_debut_vacance": mode != VACANT})


def households_at(world: World, ids: dict[str, pd.Series], day: int, rows: np.ndarray) -> pa.Table:
    """Households in place on ``day``: age on the day, RFR at the ceilings of the day's year."""
    t = world.history.tenancies.iloc[rows]
    size, composition = t["size"].to_numpy(), t["composition"].to_numpy()
    age = ((day - t["birth"].to_numpy()) / 365.25).astype(np.int64)
    situation = t["situation"].to_numpy().copy()
    working_age = (situation == hh.EMPLOI) | (situation == hh.CHOMAGE)
    situation[working_age & (age >= AGE_OF_RETIREMENT_SWITCH)] = hh.RETRAITE
    year = np.full(len(t), years_of(np.array([day]))[0])
    ceiling = hh.plus_ceilings(hh.ceiling_persons(size, composition), year)
    rfr = np.round(np.exp(t["log_ratio"].to_numpy()) * ceiling)
    dwelling = t["dwelling"].to_numpy()
    return to_arrow(
        contract.MENAGES,
        {
            "id_menage": ids["menage"].take(rows),
            "id_logement": world.stock.logements["id_logement"].take(dwelling),
            "date_entree": t["entry"].to_numpy(),
            "nb_personnes": size,
            "nb_enfants": t["children"].to_numpy(),
            "nb_moins_14": t["under_14"].to_numpy(),
            "composition": labels(contract.COMPOSITIONS, composition),
            "age_titulaire": age,
            "revenu_fiscal_reference": rfr,
            "situation_titulaire": labels(contract.SITUATIONS_TITULAIRE, situation),
            "beneficiaire_apl": t["apl"].to_numpy(),
        },
        masks={"revenu_fiscal_reference": ~t["rfr_known"].to_numpy()},
    )


def departures_in(world: World, ids: dict[str, pd.Series], after: int, until: int) -> pa.Table:
    """Departures with ``after < date_depart <= until``, by date then dwelling."""
    tenancies = world.history.tenancies
    departure = tenancies["departure"].to_numpy()
    rows = np.flatnonzero((departure > after) & (departure <= until))
    rows = rows[np.lexsort((tenancies["dwelling"].to_numpy()[rows], departure[rows]))]
    t = tenancies.iloc[rows]
    motif = np.where(t["motif_mutation"].to_numpy(), MUTATION_INTERNE, AUTRE_MOTIF)
    return to_arrow(
        contract.DEPARTS,
        {
            "id_menage": ids["menage"].take(rows),
            "id_logement": world.stock.logements["id_logement"].take(t["dwelling"].to_numpy()),
            "date_entree": t["entry"].to_numpy(),
            "date_depart": t["departure"].to_numpy(),
            "motif": labels(contract.MOTIFS_DEPART, motif),
        },
    )


def attributions_in(world: World, ids: dict[str, pd.Series], after: int, until: int) -> pa.Table:
    """Leases signed with ``after < date_attribution <= until``, in id order (= date order)."""
    tenancies = world.history.tenancies
    first_entrant = len(tenancies) - len(ids["attribution"])
    entry = tenancies["entry"].to_numpy()[first_entrant:]
    # Newcomers are sorted by entry date: the period is one slice.
    lo, hi = (
        np.searchsorted(entry, after, side="right"),
        np.searchsorted(entry, until, side="right"),
    )
    t = tenancies.iloc[first_entrant + lo : first_entrant + hi]
    flags = ("dalo", "prioritaire", "grande_precarite", "mutation", "relogement_anru")
    return to_arrow(
        contract.ATTRIBUTIONS,
        {
            "id_attribution": ids["attribution"].iloc[lo:hi],
            "id_logement": world.stock.logements["id_logement"].take(t["dwelling"].to_numpy()),
            "date_attribution": t["entry"].to_numpy(),
            "date_depot_demande": t["depot"].to_numpy(),
            "nb_personnes": t["size"].to_numpy(),
            "nb_moins_14": t["under_14"].to_numpy(),
            "composition": labels(contract.COMPOSITIONS, t["composition"].to_numpy()),
            "revenu_mensuel": t["revenu_mensuel"].to_numpy(),
            **{flag: t[flag].to_numpy() for flag in flags},
            "reservataire": labels(cal.RESERVATAIRES, t["reservataire_attribution"].to_numpy()),
            "cotation": cotation(
                ids["attribution"].iloc[lo:hi],
                (t["entry"].to_numpy() - t["depot"].to_numpy()) / DAYS_PER_MONTH,
                t["dalo"].to_numpy(),
                t["prioritaire"].to_numpy(),
            ),
        },
    )


def demands_at(world: World, ids: dict[str, pd.Series], day: int) -> pa.Table:
    """Demands filed on or before ``day`` and not yet satisfied or lapsed."""
    demands = world.demands
    rows = np.flatnonzero((demands["depot"].to_numpy() <= day) & (demands["exit"].to_numpy() > day))
    d = demands.iloc[rows]
    return to_arrow(
        contract.DEMANDES,
        {
            "id_demande": ids["demande"].take(rows),
            "date_depot": d["depot"].to_numpy(),
            "code_commune_souhaitee": d["code_commune"],
            "nb_pieces_souhaite": d["pieces"].to_numpy(),
            "nb_personnes": d["size"].to_numpy(),
            "nb_moins_14": d["under_14"].to_numpy(),
            "composition": labels(contract.COMPOSITIONS, d["composition"].to_numpy()),
            "revenu_mensuel": resources_at(d, day),
            "dalo": d["dalo"].to_numpy(),
            "prioritaire": d["prioritaire"].to_numpy(),
            "mutation": d["mutation"].to_numpy(),
            "cotation": cotation(
                ids["demande"].take(rows),
                (day - d["depot"].to_numpy()) / DAYS_PER_MONTH,
                d["dalo"].to_numpy(),
                d["prioritaire"].to_numpy(),
            ),
        },
    )
