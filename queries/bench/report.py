"""The report: hand-written results checked against the semantic layer, targets, Markdown."""

from __future__ import annotations

import math
import os
import platform

import duckdb
import pandas as pd

from queries.bench.questions import DASHBOARD_HEADLINE, DASHBOARD_KPI_TABLE, METHODS, QUESTIONS

# Targets of the issue (section 8).
MAX_RATIO_TO_SQL = 1.2  # semantic <= 1.2 x hand-written SQL on the same enriched tables
MAX_PARTNER_RATIO = 1.3  # a partner's query (perturbed, masked) <= 1.3 x an internal one (issue 12)
# warm median per indicator, 2 cores, on the national root: issue 18's targets (a France-wide
# root of 5 M dwellings and 13 snapshots), stricter than the first wave's 0.2 / 0.6 s and 2 s
NATIONAL_MAX_S = {"epci": 0.1, "commune": 0.2, "residence": 0.3}
NATIONAL_DASHBOARD_MAX_S = 1.0
NATIONAL_MAX_PAIRED_RATIO = 1.1  # semantic <= 1.1 x hand-written SQL, paired, national root
NATIONAL_MAX_RSS_AFTER_START_MIB = 1.5e9 / 2**20  # a server process once started <= 1.5 GB
MAX_COLD_START_S = 5.0  # another process opening an already-built engine file
DEMO_MAX_S = 0.05
BILAN_MAX_S = 5.0  # one EPCI's annual PDF bilan on the demo data (issue 17)
MAX_PEAK_MIB = 4e9 / 2**20  # 4 GB as DuckDB counts its memory_limit ("4GB" = 4e9 bytes)
TOLERANCE = 1e-9  # |a - b| <= 1e-9 x max(1, |a|): exact but for the last bits of a median


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
        partner = sem.get("partner_ratio")
        if partner:
            failing = [f"{q} ×{r:.3f}" for q, r in partner.items() if r > MAX_PARTNER_RATIO]
            target(
                f"{label}: partenaire ≤ {MAX_PARTNER_RATIO} × rôle interne, même EPCI (apparié)",
                max(partner.values()),
                MAX_PARTNER_RATIO,
                "×",
                failing,
            )
        if label == "national":
            for dim, limit in NATIONAL_MAX_S.items():
                times = {q: t["semantic"][q] for q in QUESTIONS if q.endswith("/" + dim)}
                failing = [f"{q} {s:.3f} s" for q, s in times.items() if s > limit]
                target(f"national: par {dim} ≤ {limit} s", max(times.values()), limit, "s", failing)
            # judged on the load users meet: answers kept for the published state (every load
            # but the first of each view after a publication); the computed load is reported too
            semantic = info["workers"]["semantic"]
            total = semantic.get("dashboard_kept", semantic["dashboard"])["total"]
            failing = [f"{total:.2f} s"] if total > NATIONAL_DASHBOARD_MAX_S else []
            target(
                f"national: tableau de bord complet ≤ {NATIONAL_DASHBOARD_MAX_S:g} s "
                f"(réponses gardées ; calculé : {semantic['dashboard']['total']:.2f} s)",
                total,
                NATIONAL_DASHBOARD_MAX_S,
                "s",
                failing,
            )
            paired = sql["paired_ratio"]
            limit = NATIONAL_MAX_PAIRED_RATIO
            target(
                f"national: sémantique ≤ {limit} × SQL écrit à la main (apparié, issue 18)",
                max(paired.values()),
                limit,
                "×",
                [f"{q} ×{r:.3f}" for q, r in paired.items() if r > limit],
            )
            started = sem.get("rss_after_start_mib")
            if started is not None:
                limit = NATIONAL_MAX_RSS_AFTER_START_MIB
                target(
                    "national: mémoire d'un processus du portail une fois démarré ≤ 1,5 GB",
                    started,
                    limit,
                    "MiB",
                    [f"{started:.0f} MiB"] if started > limit else [],
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
            "| sem / sql_enriched | sem / sql_raw | sem / pandas | sem / sql_enriched (apparié) "
            "| partenaire / interne (apparié) |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        partner = w["semantic"].get("partner_ratio", {})
        for q in QUESTIONS:
            t = {k: w[k]["timings"][q] for k in METHODS}
            paired = w["sql_enriched"]["paired_ratio"][q]
            lines.append(
                f"| {q} | {info['groups'][q]:,} | ".replace(",", " ")
                + " | ".join(_ms(t[k]) for k in METHODS)
                + " | "
                + " | ".join(f"{t['semantic'] / t[k]:.2f}" for k in METHODS[1:])
                + f" | {paired:.2f} | "
                + (f"{partner[q]:.2f}" if q in partner else "")
                + " |"
            )
        dash = w["semantic"]["dashboard"]
        if partner:
            lines.append(
                f"\nPartenaire : compte `partenaire` sur l'EPCI {w['semantic']['partner_epci']} "
                "(le plus gros de la racine) contre un compte interne limité au même EPCI, "
                "appelés en alternance dans un même processus : ce que coûtent les clés de "
                "cellule, le bruit et le masquage."
            )
        kept = w["semantic"].get("dashboard_kept")
        lines += [
            f"| **tableau de bord** (sémantique, calculé) | | {_ms(dash['total'])} | | | | | | | | |",
            *(
                [
                    f"| **tableau de bord** (réponses gardées) | | {_ms(kept['total'])} | | | | | | | | |"
                ]
                if kept
                else []
            ),
            f"\nTableau de bord : en-tête {len(DASHBOARD_HEADLINE)} indicateurs par EPCI "
            f"{_ms(dash['headline'])} ms, tableau de {len(DASHBOARD_KPI_TABLE)} indicateurs avec "
            f"comparaisons {_ms(dash['kpi_table'])} ms, objectifs {_ms(dash['targets'])} ms."
            + (
                " Réponses gardées pour l'état publié (queries/answers.py : lues sur disque à "
                f"chaque chargement, par tout processus) : {_ms(kept['total'])} ms ; seul le "
                "premier chargement de chaque vue après une publication calcule."
                if kept
                else ""
            ),
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


def build_report(
    roots: dict[str, dict],
    repeat: int,
    generated: dict[str, float],
    bilan: dict | None = None,
    starts: dict[str, dict] | None = None,
) -> dict:
    targets = check_targets(roots)
    if bilan:
        targets += bilan_targets(bilan)
    targets += start_targets(starts or {})
    return {
        "machine": machine(),
        "repeat": repeat,
        "generated": generated,
        "roots": roots,
        "bilan": bilan,
        "engine_start": starts or {},
        "targets": targets,
    }


def start_targets(starts: dict[str, dict]) -> list[dict]:
    """Each root's cold start (another process opening the built engine file) against 5 s; the
    build's time and size are reported beside it (issue 18, item 2)."""
    return [
        _time_target(
            f"{label}: démarrage à froid sur la base construite ≤ {MAX_COLD_START_S:g} s "
            f"(construction {found['build_s']:.1f} s, {_thousands(round(found['size_mb']))} Mo)",
            found["open_s"],
            MAX_COLD_START_S,
        )
        for label, found in starts.items()
    ]


def bilan_targets(bilan: dict) -> list[dict]:
    """The bilan's time for a partner and for an internal role of the same EPCI, against 5 s."""
    return [
        _time_target(
            f"démo: bilan PDF d'un EPCI ({bilan['epci']}, {reader}, "
            f"{bilan[f'{reader}_pages']} pages) ≤ {BILAN_MAX_S:g} s",
            bilan[f"{reader}_s"],
            BILAN_MAX_S,
        )
        for reader in ("partenaire", "interne")
    ]


def _time_target(name: str, seconds: float, limit: float) -> dict:
    """One row of the targets table for a time in seconds against its limit."""
    return {
        "target": name,
        "measured": seconds,
        "limit": limit,
        "unit": "s",
        "pass": seconds <= limit,
        "failing": [] if seconds <= limit else [f"{seconds:.2f} s"],
    }
