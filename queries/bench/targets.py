"""The targets `make bench` checks (issues 12, 17 and 18): each with the worst measured value,
its limit and PASS/FAIL."""

from __future__ import annotations

from queries.bench.questions import QUESTIONS

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


def thousands(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def start_targets(starts: dict[str, dict]) -> list[dict]:
    """Each root's cold start (another process opening the built engine file) against 5 s; the
    build's time and size are reported beside it (issue 18, item 2)."""
    return [
        _time_target(
            f"{label}: démarrage à froid sur la base construite ≤ {MAX_COLD_START_S:g} s "
            f"(construction {found['build_s']:.1f} s, {thousands(round(found['size_mb']))} Mo)",
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
