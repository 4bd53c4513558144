"""What the load harness reports: per page the median, 95th percentile and maximum time, the
errors, the lost clicks, the server's CPU per view and peak memory, the rest of the machine's CPU
(the browsers and the harness) and how busy the machine's cores were over the run."""

from __future__ import annotations

import os
import platform
from statistics import median

from loadtest.sessions import FORM, MAP_DRAWN, PAGES


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _times(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_s": median(values),
        "p95_s": _percentile(values, 0.95),
        "max_s": max(values),
    }


def _part(results: list, name: str) -> dict | None:
    """The times of a step reported beside the pages, not as a view (the login form, the map
    drawn); None when the run has none."""
    times = [r[2] for r in results if r[0] == name]
    return _times(times) if times else None


def _part_line(label: str, times: dict) -> str:
    return (
        f"{label} : médiane {times['p50_s']:.2f} s, p95 {times['p95_s']:.2f} s, "
        f"max {times['max_s']:.2f} s"
    )


def summary(
    results: list,
    sessions: int,
    cpu_s: float,
    peak_rss_mb: float,
    machine_cpu_s: float | None = None,
    spread_s: float = 0.0,
    wall_s: float | None = None,
    cores: int | None = None,
) -> dict:
    pages = {}
    for title in ["Accueil", *(t for _, t in PAGES)]:
        times = [r[2] for r in results if r[0] == title]
        if times:  # and the clicks made again on the way to this page
            pages[title] = _times(times) | {"lost": sum(r[3] for r in results if r[0] == title)}
    views = sum(p["n"] for p in pages.values())
    return {
        "sessions": sessions,
        "pages": pages,
        "login_form": _part(results, FORM),
        "map_drawn": _part(results, MAP_DRAWN),
        "errors": [r[4] for r in results if r[4]],
        "lost_actions": sum(r[3] for r in results),
        "page_views": views,
        "server_cpu_s": cpu_s,
        "server_cpu_s_per_view": cpu_s / views if views else None,
        "server_peak_rss_mb": peak_rss_mb,
        # the whole machine's CPU over the run, less the server's: the browsers and the harness
        # (on a real day they run on the users' own machines)
        "other_cpu_s": None if machine_cpu_s is None else machine_cpu_s - cpu_s,
        # the share of the machine's cores busy over the run (server, browsers, harness): near
        # 100 %, a page also waits for a free core, whoever needs it
        "machine_busy": _busy_share(machine_cpu_s, wall_s, cores or os.cpu_count() or 1),
        "wall_s": wall_s,
        "spread_s": spread_s,
        "machine": f"{platform.machine()}, {os.cpu_count()} cœurs, charge {os.getloadavg()[0]:.1f}",
    }


def _busy_share(machine_cpu_s: float | None, wall_s: float | None, cores: int) -> float | None:
    if machine_cpu_s is None or not wall_s:
        return None
    return machine_cpu_s / (wall_s * cores)


def markdown(found: dict) -> str:
    spread = found.get("spread_s") or 0
    arrival = f"arrivées étalées sur {spread:g} s" if spread else "toutes au même instant"
    browser = f", navigateur {found['browser']}" if found.get("browser") else ""
    lines = [
        f"Sessions : {found['sessions']} ({arrival}), {found.get('visitors', 'habitués')}, "
        f"{found.get('processes', 1)} processus serveur ({found['machine']}){browser}"
        + (", cartes dessinées" if found.get("maps_drawn") else ""),
        "",
        "| page | vues | médiane (s) | p95 (s) | max (s) | clics refaits |",
        "|---|---|---|---|---|---|",
    ]
    for title, p in found["pages"].items():
        lines.append(
            f"| {title} | {p['n']} | {p['p50_s']:.2f} | {p['p95_s']:.2f} | {p['max_s']:.2f} "
            f"| {p.get('lost', 0)} |"
        )
    parts = (
        ("login_form", f"dont « {FORM} » (adresse saisie → formulaire affiché)"),
        (
            "map_drawn",
            f"« {MAP_DRAWN} » (clic → premier dessin de la carte, travail graphique des "
            "navigateurs)",
        ),
    )
    for key, label in parts:
        if found.get(key):
            lines += ["", _part_line(label, found[key])]
    per_view = found["server_cpu_s_per_view"]
    lines += [
        "",
        f"Erreurs : {len(found['errors'])} ; actions perdues (clic refait) : {found['lost_actions']}",
        f"Serveur : {found['server_cpu_s']:.1f} s de CPU"
        + (f", {per_view:.2f} s par vue" if per_view is not None else "")
        + f" ; mémoire résidente maximale {found['server_peak_rss_mb']:.0f} Mo",
    ]
    other = found.get("other_cpu_s")
    if other is not None and found["page_views"]:
        lines.append(
            f"Navigateurs et banc (même machine) : {other:.1f} s de CPU, "
            f"{other / found['page_views']:.2f} s par vue"
        )
    busy = found.get("machine_busy")
    if busy is not None:
        lines.append(
            f"Machine occupée à {busy * 100:.0f} % pendant les {found['wall_s']:.0f} s du passage "
            "(serveur, navigateurs et banc ; vers 100 %, les pages attendent aussi un cœur libre)"
        )
    lines += [f"- {e}" for e in found["errors"][:10]]
    return "\n".join(lines)
