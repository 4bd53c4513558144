"""The report: hand-written results checked against the semantic layer, the machine, the targets
(`queries.bench.targets`) and the Markdown."""

from __future__ import annotations

import math
import os
import platform

import duckdb
import pandas as pd

from queries.bench.questions import DASHBOARD_HEADLINE, DASHBOARD_KPI_TABLE, METHODS, QUESTIONS
from queries.bench.targets import bilan_targets, check_targets, start_targets, thousands

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
            f"\n{thousands(info['logements'])} logements à la dernière photographie ({snap}), "
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
