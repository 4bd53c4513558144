"""Benchmark: the semantic layer against the same questions written by hand.

    python -m queries.bench [--demo-root DIR] [--national-root DIR] [--national-logements N]
                            [--repeat R] [--skip-national] [--out FILE]

Each method runs in its own process (this module with ``--worker KIND --root DIR``, printing JSON),
so its load time and peak memory are its own:

- ``semantic``: ``open_engine`` then ``evaluate()`` — what the portal does;
- ``sql_enriched``: an expert's DuckDB SQL on the SAME engine tables — the builder's overhead;
- ``sql_raw``: an analyst's DuckDB SQL straight over the raw Parquet files (joins on string keys);
- ``pandas``: the same questions in pandas on DataFrames read from the raw Parquet files.

Every hand-written version must give the semantic layer's numbers: a disagreement is a bug and
makes the exit code non-zero. A missed timing target is a finding, reported with exit code 0.
Results and their reading: docs/benchmark.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from ingest.contract import LOGEMENTS, TABLES, table_path
from queries.comparisons import compare
from queries.engine import list_snapshots, open_engine
from queries.evaluate import evaluate
from queries.settings import DEMO_DATA_ROOT, PROJECT_ROOT
from queries.targets import evaluate_targets
from semantic.catalogue import load_catalogue
from semantic.scope import Scope

NATIONAL_DATA_ROOT = PROJECT_ROOT / "data" / "national"  # git-ignored, generated on first use
NATIONAL_SEED = 1
METHODS = ("semantic", "sql_enriched", "sql_raw", "pandas")
INDICATORS = (
    "taux_vacance",
    "part_menages_sous_40pc",
    "revenu_median_uc",
    "part_attributions_q1_hors_qpv",
    "taux_rotation",
)
DIMENSIONS = ("epci", "residence")
QUESTIONS = tuple(f"{ind}/{dim}" for ind in INDICATORS for dim in DIMENSIONS)
SCOPE = Scope.internal("manager")  # national scope: every territory of the root
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
# Targets of the issue (section 8).
MAX_RATIO_TO_SQL = 1.2  # semantic <= 1.2 x hand-written SQL on the same enriched tables
NATIONAL_MAX_S = {"epci": 0.2, "residence": 0.6}  # warm median per indicator, 2 cores
NATIONAL_DASHBOARD_MAX_S = 2.0
DEMO_MAX_S = 0.05
MAX_PEAK_MIB = 4e9 / 2**20  # 4 GB as DuckDB counts its memory_limit ("4GB" = 4e9 bytes)
TOLERANCE = 1e-9  # |a - b| <= 1e-9 x max(1, |a|): exact but for the last bits of a median
NULL_KEY = "∅"  # a group whose code is null
MIN_TIMED_S, MAX_RUNS = 0.5, 200  # a few-millisecond call is timed more often than `repeat`
PAIRED_RUNS = 3  # x repeat alternated pairs: one noisy pair must not decide a ratio


# -- The questions, written by hand ----------------------------------------------------------

# Group columns of each breakdown: code column and label column (the only identifiers formatted
# into the hand-written SQL; every value is a bound parameter).
ENRICHED_COLUMNS = {
    "epci": {"key": "code_epci", "label": "nom_epci"},
    "residence": {"key": "id_residence", "label": "nom_residence"},
}
RAW_COLUMNS = {
    "epci": {"key": "t.code_epci", "label": "t.nom_epci"},
    "residence": {"key": "l.id_residence", "label": "r.nom_residence"},
}
_RATIO = "CAST(numerateur AS DOUBLE) / NULLIF(denominateur, 0) AS valeur"

# An expert's SQL on the engine's enriched tables (queries/sql/enrichment.sql).
ENRICHED_SQL = {
    "taux_vacance": """
        SELECT {key} AS code, MIN({label}) AS libelle,
               count(*) FILTER (WHERE mode_occupation = 'vacant') AS numerateur,
               count(*) FILTER (WHERE propose_location) AS denominateur, {ratio}
        FROM logements WHERE snapshot_date = $snapshot
        GROUP BY {key} ORDER BY code""",
    "part_menages_sous_40pc": """
        SELECT {key} AS code, MIN({label}) AS libelle,
               count(*) FILTER (WHERE rfr_connu AND ratio_plafond_plus < 0.4) AS numerateur,
               count(*) FILTER (WHERE rfr_connu) AS denominateur, {ratio}
        FROM menages WHERE snapshot_date = $snapshot
        GROUP BY {key} ORDER BY code""",
    "revenu_median_uc": """
        SELECT {key} AS code, MIN({label}) AS libelle,
               median(revenu_par_uc) AS valeur, count(revenu_par_uc) AS effectif
        FROM menages WHERE snapshot_date = $snapshot
        GROUP BY {key} ORDER BY code""",
    "part_attributions_q1_hors_qpv": """
        SELECT {key} AS code, MIN({label}) AS libelle,
               count(*) FILTER (WHERE NOT en_qpv AND (premier_quartile OR relogement_anru))
                   AS numerateur,
               count(*) FILTER (WHERE NOT en_qpv) AS denominateur, {ratio}
        FROM attributions
        WHERE snapshot_date = $snapshot AND date_attribution > $debut AND date_attribution <= $fin
        GROUP BY {key} ORDER BY code""",
    "taux_rotation": """
        WITH d AS (
            SELECT {key} AS code, MIN({label}) AS libelle, count(*) AS n FROM departs
            WHERE snapshot_date = $snapshot AND date_depart > $debut AND date_depart <= $fin
            GROUP BY {key}
        ), l AS (
            SELECT {key} AS code, MIN({label}) AS libelle,
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


# -- pandas ------------------------------------------------------------------------------------

PANDAS_COLUMNS = {
    "territoires": ["code_commune", "code_epci", "nom_epci", "zone_plafonds"],
    "plafonds": None,
    "seuils_q1": None,
    "residences": ["id_residence", "nom_residence", "code_commune", "code_qpv"],
    "logements": ["id_logement", "id_residence", "mode_occupation"],
    "menages": [
        "id_logement",
        "nb_personnes",
        "nb_moins_14",
        "composition",
        "revenu_fiscal_reference",
    ],
    "attributions": [
        "id_logement",
        "date_attribution",
        "nb_personnes",
        "nb_moins_14",
        "revenu_mensuel",
        "relogement_anru",
    ],
    "departs": ["id_logement", "date_depart"],
}
PANDAS_GROUPS = {"epci": ("code_epci", "nom_epci"), "residence": ("id_residence", "nom_residence")}


def read_frames(root: Path, snapshot: dt.date) -> dict[str, pd.DataFrame]:
    """The raw tables of the latest snapshot, dates as datetime64."""
    return {
        name: pd.read_parquet(
            table_path(root, TABLES[name], snapshot.isoformat()),
            columns=columns,
            to_pandas_kwargs={"date_as_object": False},
        )
        for name, columns in PANDAS_COLUMNS.items()
    }


def _located(f: dict) -> pd.DataFrame:
    return (
        f["logements"]
        .merge(f["residences"], on="id_residence", how="left")
        .merge(f["territoires"], on="code_commune", how="left")
    )


def _uc(df: pd.DataFrame) -> pd.Series:
    # In tenths, exactly as DuckDB's DECIMAL arithmetic of the OECD scale, then one rounding.
    return (10 + 5 * (df["nb_personnes"] - 1 - df["nb_moins_14"]) + 3 * df["nb_moins_14"]) / 10


def _ratio_table(df: pd.DataFrame, dim: str, num: pd.Series, den: pd.Series) -> pd.DataFrame:
    key, label = PANDAS_GROUPS[dim]
    out = df[[key, label]].assign(numerateur=num.astype("int64"), denominateur=den.astype("int64"))
    out = out.groupby(key, dropna=False, sort=True).agg(
        libelle=(label, "min"),
        numerateur=("numerateur", "sum"),
        denominateur=("denominateur", "sum"),
    )
    out["valeur"] = out["numerateur"] / out["denominateur"].where(out["denominateur"] > 0)
    return out.reset_index().rename(columns={key: "code"})


def _pandas_question(f: dict, question: str, snapshot: dt.date) -> pd.DataFrame:
    indicator, dim = question.split("/")
    key, label = PANDAS_GROUPS[dim]
    start, end = (pd.Timestamp(d) for d in rolling_period(snapshot))
    loc = _located(f)
    if indicator == "taux_vacance":
        mode = loc["mode_occupation"]
        return _ratio_table(loc, dim, mode.eq("vacant"), mode.isin(["loue", "vacant"]))
    if indicator in ("part_menages_sous_40pc", "revenu_median_uc"):
        cols = list(dict.fromkeys(["id_logement", key, label, "zone_plafonds"]))
        m = f["menages"].merge(loc[cols], on="id_logement")
        rfr = m["revenu_fiscal_reference"]
        if indicator == "revenu_median_uc":
            m = m.assign(revenu_uc=rfr / _uc(m))
            out = m.groupby(key, dropna=False, sort=True).agg(
                libelle=(label, "min"),
                valeur=("revenu_uc", "median"),
                effectif=("revenu_uc", "count"),
            )
            return out.reset_index().rename(columns={key: "code"})
        n = m["nb_personnes"] + m["composition"].eq("monoparentale").astype("int64")
        p = f["plafonds"]
        p = p[(p["financement"] == "PLUS") & (p["annee"] <= snapshot.year)].sort_values("annee")
        p = p.drop_duplicates(["zone_plafonds", "categorie"], keep="last")
        m = m.assign(n=n, categorie=n.clip(upper=6)).merge(
            p[["zone_plafonds", "categorie", "plafond", "plafond_personne_sup"]],
            on=["zone_plafonds", "categorie"],
            how="left",
        )
        ceiling = m["plafond"] + (m["n"] - 6).clip(lower=0) * m["plafond_personne_sup"]
        known = m["revenu_fiscal_reference"].notna()
        return _ratio_table(m, dim, known & (m["revenu_fiscal_reference"] / ceiling < 0.4), known)
    if indicator == "part_attributions_q1_hors_qpv":
        a = f["attributions"]
        a = a[(a["date_attribution"] > start) & (a["date_attribution"] <= end)]
        cols = list(dict.fromkeys(["id_logement", key, label, "code_epci", "code_qpv"]))
        a = a.merge(loc[cols], on="id_logement")
        a = a.assign(
            revenu_uc=a["revenu_mensuel"] * 12 / _uc(a),
            annee=a["date_attribution"].dt.year.astype("int64"),
        )
        s = f["seuils_q1"].astype({"annee": "int64"}).sort_values("annee")
        a = pd.merge_asof(a.sort_values("annee"), s, on="annee", by="code_epci")
        hors = a["code_qpv"].isna()
        q1 = a["seuil_q1_uc"].notna() & (a["revenu_uc"] <= a["seuil_q1_uc"])
        return _ratio_table(a, dim, hors & (q1 | a["relogement_anru"]), hors)
    if indicator == "taux_rotation":
        d = f["departs"]
        d = d[(d["date_depart"] > start) & (d["date_depart"] <= end)]
        d = d.merge(loc[list(dict.fromkeys(["id_logement", key, label]))], on="id_logement")
        num = d.groupby(key, dropna=False).agg(libelle=(label, "min"), numerateur=(key, "size"))
        den = loc.assign(n=loc["mode_occupation"].isin(["loue", "vacant"]).astype("int64"))
        den = den.groupby(key, dropna=False).agg(libelle=(label, "min"), denominateur=("n", "sum"))
        out = den.join(num, how="outer", suffixes=("_l", "_d"), sort=True)
        out["libelle"] = out["libelle_l"].fillna(out["libelle_d"])
        out[["numerateur", "denominateur"]] = out[["numerateur", "denominateur"]].fillna(0)
        out["valeur"] = out["numerateur"] / out["denominateur"].where(out["denominateur"] > 0)
        return out.reset_index().rename(columns={key: "code"})
    raise ValueError(f"question sans version pandas : {question}")


# -- Workers -----------------------------------------------------------------------------------


def as_results(df: pd.DataFrame, code: str = "code") -> dict[str, float | None]:
    """code -> value of one result table (codes as text, nulls as None)."""
    return {
        NULL_KEY if pd.isna(k) else str(k): None if pd.isna(v) else float(v)
        for k, v in zip(df[code].tolist(), df["valeur"].tolist(), strict=True)
    }


def _median_time(
    call: Callable[[], object], repeat: int, min_timed_s: float = MIN_TIMED_S
) -> tuple[float, object]:
    """Warm median after one warm-up run (whose result is returned): at least `repeat` runs, more
    for short calls until `min_timed_s` is spent, so that millisecond medians are stable."""
    result = call()
    times: list[float] = []
    while len(times) < repeat or (sum(times) < min_timed_s and len(times) < MAX_RUNS):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _paired_ratio(
    a: Callable[[], object], b: Callable[[], object], repeat: int, min_timed_s: float
) -> float:
    """median(a) / median(b) with a and b run alternately in one process: drift of the machine
    (other processes, CPU frequency) hits both sides alike, which separate processes cannot
    promise for calls of a few milliseconds."""
    a(), b()
    ta: list[float] = []
    tb: list[float] = []
    while len(ta) < PAIRED_RUNS * repeat or (
        sum(ta) + sum(tb) < min_timed_s and len(ta) < MAX_RUNS
    ):
        for call, times in ((a, ta), (b, tb)):
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
    return statistics.median(ta) / statistics.median(tb)


def _semantic_call(engine, question: str) -> Callable[[], pd.DataFrame]:
    """What the portal does for a question: evaluate() on the latest snapshot, national scope."""
    indicator, dim = question.split("/")
    return lambda: evaluate(engine, indicator, SCOPE, by=[dim])


def _dashboard(engine, catalogue) -> dict[str, float]:
    """One dashboard page load; seconds per part."""
    parts = {}
    started = time.perf_counter()
    for ind in DASHBOARD_HEADLINE:
        evaluate(engine, ind, SCOPE, by=["epci"], catalogue=catalogue)
    parts["headline"] = time.perf_counter() - started
    started = time.perf_counter()
    for ind in DASHBOARD_KPI_TABLE:
        compare(engine, ind, SCOPE, by=["epci"], catalogue=catalogue)
    parts["kpi_table"] = time.perf_counter() - started
    started = time.perf_counter()
    evaluate_targets(engine, SCOPE, catalogue=catalogue)
    parts["targets"] = time.perf_counter() - started
    parts["total"] = sum(parts.values())
    return parts


def run_worker(kind: str, root: Path, repeat: int, min_timed_s: float = MIN_TIMED_S) -> dict:
    """Load the data the way `kind` does, then time every question (and, for the semantic layer,
    the dashboard set). Returns load time, warm medians, results and this process's peak RSS."""
    root = Path(root)
    snapshot = list_snapshots(root)[-1]
    start, end = rolling_period(snapshot)
    out: dict = {
        "method": kind,
        "root": str(root),
        "snapshot": snapshot.isoformat(),
        "repeat": repeat,
    }
    load_average = [os.getloadavg()[0]]  # other processes on the machine skew wall times
    started = time.perf_counter()
    if kind in ("semantic", "sql_enriched"):
        engine = open_engine(root)
        catalogue = load_catalogue()
    elif kind == "sql_raw":
        con = duckdb.connect(config={"threads": 2})
        con.execute("SET enable_progress_bar = false")
        paths = {t: str(table_path(root, TABLES[t], snapshot.isoformat())) for t in TABLES}
    elif kind == "pandas":
        frames = read_frames(root, snapshot)
    else:
        raise ValueError(f"méthode inconnue : {kind} (méthodes : {', '.join(METHODS)})")
    out["load_s"] = time.perf_counter() - started
    values = {"snapshot": snapshot, "debut": start, "fin": end, "annee": snapshot.year}
    calls: dict[str, Callable[[], pd.DataFrame]] = {}
    for q in QUESTIONS:
        if kind == "semantic":
            calls[q] = _semantic_call(engine, q)
        elif kind == "sql_enriched":
            sql = hand_sql(ENRICHED_SQL, ENRICHED_COLUMNS, q)
            calls[q] = lambda s=sql: engine.cursor().execute(s, _bound(s, values)).df()
        elif kind == "sql_raw":
            sql = hand_sql(RAW_SQL, RAW_COLUMNS, q)
            calls[q] = lambda s=sql: con.execute(s, _bound(s, {**paths, **values})).df()
        else:
            calls[q] = lambda q=q: _pandas_question(frames, q, snapshot)
    out["timings"], out["results"] = {}, {}
    for q, call in calls.items():
        out["timings"][q], df = _median_time(call, repeat, min_timed_s)
        out["results"][q] = as_results(df, q.split("/")[1] if kind == "semantic" else "code")
    if kind == "sql_enriched":  # the builder's overhead measured pairwise, same process
        out["paired_ratio"] = {
            q: _paired_ratio(_semantic_call(engine, q), call, repeat, min_timed_s)
            for q, call in calls.items()
        }
    if kind == "semantic":
        _dashboard(engine, catalogue)  # warm-up
        runs = [_dashboard(engine, catalogue) for _ in range(repeat)]
        out["dashboard"] = {part: statistics.median(r[part] for r in runs) for part in runs[0]}
    out["peak_rss_mib"] = peak_rss_mib()
    out["load_average"] = [*load_average, os.getloadavg()[0]]
    return out


def peak_rss_mib() -> float:
    """This process's peak resident memory. VmHWM belongs to the process's own address space;
    getrusage's ru_maxrss also keeps the parent's peak across fork and exec, which would charge
    a worker with the memory its parent used to generate the national root."""
    try:
        with open("/proc/self/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def disagreements(reference: dict, other: dict, limit: int = 3) -> list[str]:
    """Differences between two result sets {question: {code: value}} (empty when they agree)."""
    problems = []
    for q in QUESTIONS:
        ref, got = reference[q], other[q]
        if set(ref) != set(got):
            only = sorted(set(ref) ^ set(got))[:limit]
            problems.append(f"{q}: groupes différents ({len(ref)} contre {len(got)}), ex. {only}")
            continue
        bad = [k for k in ref if not _same(ref[k], got[k])][:limit]
        problems += [f"{q} [{k}]: {ref[k]!r} contre {got[k]!r}" for k in bad]
    return problems


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOLERANCE * max(1.0, abs(a)) or (math.isnan(a) and math.isnan(b))


# -- The run: roots, workers, report -----------------------------------------------------------


def logements_count(root: Path) -> int:
    """Dwellings of the latest snapshot (from the Parquet footer, without reading the data)."""
    latest = list_snapshots(root)[-1].isoformat()
    return pq.ParquetFile(table_path(root, LOGEMENTS, latest)).metadata.num_rows


def ensure_root(
    root: Path, logements: int | None, snapshots: int | None, seed: int
) -> float | None:
    """Generate `root` when it has no snapshot (or, if `logements` is given, not that many
    dwellings); seconds spent generating, None when it was already there."""
    from ingest.demo import generate  # only when data must be written

    if list_snapshots(root) and (logements is None or logements_count(root) == logements):
        return None
    kwargs = {"seed": seed}
    if logements is not None:
        kwargs.update(logements=logements, snapshots=snapshots)
    _say(f"génération de {root} ({kwargs})…")
    report = generate(root, overwrite=True, **kwargs)
    _say(report.summary())
    return report.seconds


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_subprocess(kind: str, root: Path, repeat: int) -> dict:
    """One worker in a fresh process, so that its load time and peak memory are its own."""
    command = [
        sys.executable,
        "-m",
        "queries.bench",
        "--worker",
        kind,
        "--root",
        str(root),
        "--repeat",
        str(repeat),
    ]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise RuntimeError(f"le worker {kind} sur {root} a échoué (code {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])  # DuckDB may print progress above


def machine() -> dict:
    cpu = "?"
    memory_gb = 0.0
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), cpu)
    with open("/proc/meminfo", encoding="utf-8") as info:
        kb = next((int(ln.split()[1]) for ln in info if ln.startswith("MemTotal")), 0)
        memory_gb = kb / 1024**2
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gb": round(memory_gb, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
    }


def bench_root(
    label: str, root: Path, repeat: int, run: Callable[[str, Path, int], dict] = run_subprocess
) -> dict:
    """Every method on one root (`run` runs a worker: a fresh process by default), results
    checked against the semantic layer."""
    info = {
        "label": label,
        "root": str(root),
        "snapshots": len(list_snapshots(root)),
        "logements": logements_count(root),
        "workers": {},
    }
    for kind in METHODS:
        _say(f"{label} · {kind}…")
        info["workers"][kind] = run(kind, root, repeat)
    results = {k: w.pop("results") for k, w in info["workers"].items()}
    info["groups"] = {q: len(results["semantic"][q]) for q in QUESTIONS}
    info["disagreements"] = {
        k: disagreements(results["semantic"], results[k]) for k in METHODS if k != "semantic"
    }
    return info


def check_targets(roots: dict[str, dict]) -> list[dict]:
    """Each target of the issue with the worst measured value and PASS/FAIL."""
    out = []

    def target(name, measured, limit, unit, failing):
        out.append(
            {
                "target": name,
                "measured": measured,
                "limit": limit,
                "unit": unit,
                "pass": not failing,
                "failing": failing,
            }
        )

    for label, info in roots.items():
        t = {k: w["timings"] for k, w in info["workers"].items()}
        sem, sql = info["workers"]["semantic"], info["workers"]["sql_enriched"]
        separate = {q: sem["timings"][q] / sql["timings"][q] for q in QUESTIONS}
        for ratios, what in ((separate, "processus séparés"), (sql["paired_ratio"], "apparié")):
            failing = [f"{q} ×{r:.3f}" for q, r in ratios.items() if r > MAX_RATIO_TO_SQL]
            target(
                f"{label}: sémantique ≤ {MAX_RATIO_TO_SQL} × SQL écrit à la main sur les tables "
                f"enrichies ({what})",
                max(ratios.values()),
                MAX_RATIO_TO_SQL,
                "×",
                failing,
            )
        if label == "national":
            for dim, limit in NATIONAL_MAX_S.items():
                times = {q: t["semantic"][q] for q in QUESTIONS if q.endswith("/" + dim)}
                failing = [f"{q} {s:.3f} s" for q, s in times.items() if s > limit]
                target(f"national: par {dim} ≤ {limit} s", max(times.values()), limit, "s", failing)
            total = info["workers"]["semantic"]["dashboard"]["total"]
            failing = [f"{total:.2f} s"] if total > NATIONAL_DASHBOARD_MAX_S else []
            target(
                "national: tableau de bord complet ≤ 2 s",
                total,
                NATIONAL_DASHBOARD_MAX_S,
                "s",
                failing,
            )
        else:
            failing = [f"{q} {s * 1000:.1f} ms" for q, s in t["semantic"].items() if s > DEMO_MAX_S]
            target(
                f"{label}: ≤ 50 ms par indicateur",
                max(t["semantic"].values()),
                DEMO_MAX_S,
                "s",
                failing,
            )
        peak = info["workers"]["semantic"]["peak_rss_mib"]
        target(
            f"{label}: mémoire de pointe du portail ≤ 4 GB",
            peak,
            MAX_PEAK_MIB,
            "MiB",
            [f"{peak:.0f} MiB"] if peak > MAX_PEAK_MIB else [],
        )
    return out


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}".replace(",", " ")


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"Machine : {m['nproc']} cœurs ({m['cpu']}), {m['memory_gb']} GB de mémoire, {m['os']} ; "
        f"Python {m['python']}, DuckDB {m['duckdb']}, pandas {m['pandas']}. "
        f"Médianes à chaud sur {report['repeat']} exécutions après une exécution d'échauffement.",
    ]
    if report.get("generated"):
        for label, seconds in report["generated"].items():
            lines.append(f"\nRacine {label} générée pour ce banc en {seconds:.1f} s.")
    for label, info in report["roots"].items():
        w = info["workers"]
        snap = w["semantic"]["snapshot"]
        lines += [
            f"\n### Racine {label} — `{info['root']}`",
            f"\n{_thousands(info['logements'])} logements à la dernière photographie ({snap}), "
            f"{info['snapshots']} photographie(s) chargée(s) ; périmètre national.",
            "\n| question | groupes | semantic (ms) | sql_enriched (ms) | sql_raw (ms) | pandas (ms) "
            "| sem / sql_enriched | sem / sql_raw | sem / pandas | sem / sql_enriched (apparié) |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for q in QUESTIONS:
            t = {k: w[k]["timings"][q] for k in METHODS}
            paired = w["sql_enriched"]["paired_ratio"][q]
            lines.append(
                f"| {q} | {info['groups'][q]:,} | ".replace(",", " ")
                + " | ".join(_ms(t[k]) for k in METHODS)
                + " | "
                + " | ".join(f"{t['semantic'] / t[k]:.2f}" for k in METHODS[1:])
                + f" | {paired:.2f} |"
            )
        dash = w["semantic"]["dashboard"]
        lines += [
            f"| **tableau de bord** (sémantique) | | {_ms(dash['total'])} | | | | | | | |",
            f"\nTableau de bord : en-tête {len(DASHBOARD_HEADLINE)} indicateurs par EPCI "
            f"{_ms(dash['headline'])} ms, tableau de {len(DASHBOARD_KPI_TABLE)} indicateurs avec "
            f"comparaisons {_ms(dash['kpi_table'])} ms, objectifs {_ms(dash['targets'])} ms.",
            "\n| méthode | chargement (s) | mémoire de pointe (MiB) | charge machine (début → fin) |",
            "|---|--:|--:|--:|",
        ]
        loading = {
            "semantic": "open_engine",
            "sql_enriched": "open_engine",
            "sql_raw": "connexion",
            "pandas": "lecture Parquet",
        }
        for k in METHODS:
            rss = f"{w[k]['peak_rss_mib']:,.0f}".replace(",", " ")
            first, last = w[k]["load_average"]
            lines.append(
                f"| {k} ({loading[k]}) | {w[k]['load_s']:.2f} | {rss} | {first:.1f} → {last:.1f} |"
            )
        for k, problems in info["disagreements"].items():
            verdict = "identiques" if not problems else "**FAIL — résultats différents**"
            lines.append(
                f"\n- {k} contre semantic : {verdict}" + "".join(f"\n  - {p}" for p in problems)
            )
    lines += ["\n### Objectifs", "\n| objectif | mesuré | limite | résultat |", "|---|--:|--:|---|"]
    for t in report["targets"]:
        fmt = (
            (lambda v: f"{v:.3f}")
            if t["unit"] == "×"
            else (
                (lambda v: f"{v:,.0f} MiB".replace(",", " "))
                if t["unit"] == "MiB"
                else (lambda v: f"{v:.3f} s")
            )
        )
        verdict = "PASS" if t["pass"] else "FAIL : " + ", ".join(t["failing"])
        lines.append(f"| {t['target']} | {fmt(t['measured'])} | {fmt(t['limit'])} | {verdict} |")
    return "\n".join(lines) + "\n"


def build_report(roots: dict[str, dict], repeat: int, generated: dict[str, float]) -> dict:
    return {
        "machine": machine(),
        "repeat": repeat,
        "generated": generated,
        "roots": roots,
        "targets": check_targets(roots),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m queries.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--demo-root", type=Path, default=DEMO_DATA_ROOT)
    parser.add_argument("--national-root", type=Path, default=NATIONAL_DATA_ROOT)
    parser.add_argument("--national-logements", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after the warm-up")
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--out", type=Path, help="also write FILE.json and FILE.md")
    parser.add_argument("--worker", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat doit valoir au moins 1")
    if args.worker:
        print("\n" + json.dumps(run_worker(args.worker, args.root, args.repeat)), flush=True)
        return 0
    generated = {}
    seconds = ensure_root(args.demo_root, None, None, seed=42)
    if seconds is not None:
        generated["démo"] = seconds
    roots = {"démo": bench_root("démo", args.demo_root, args.repeat)}
    if not args.skip_national:
        seconds = ensure_root(args.national_root, args.national_logements, 1, seed=NATIONAL_SEED)
        if seconds is not None:
            generated["national"] = seconds
        roots["national"] = bench_root("national", args.national_root, args.repeat)
    report = build_report(roots, args.repeat, generated)
    text = markdown(report)
    print(text)
    if args.out:
        args.out.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
        args.out.with_suffix(".md").write_text(text, encoding="utf-8")
    failed = [k for info in roots.values() for k, p in info["disagreements"].items() if p]
    if failed:
        print(f"FAIL : résultats différents de la couche sémantique ({', '.join(failed)})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
