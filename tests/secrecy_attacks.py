"""A partner trying to undo statistical secrecy by subtraction (tests/test_secrecy_attacks.py).

The attacker sees only what a partner account sees (evaluate, targets, the map's residences) and
knows the method and its public parameters: the threshold and the noise amplitude A. Each route
combines published figures into an estimate of a hidden count x (a masked cell, or a cell never
published because it is under the threshold): x_hat = sum of +/- published counts, so with n
published terms x lies in [x_hat - n*A, x_hat + n*A], intersected with what the attacker knows
anyway (a masked row exists, so its count is >= 1; a cell under the threshold is <= seuil - 1 + A).
Every route's interval for the same cell is intersected too (the "many equations" attack). A cell
is **recovered** when one value is left: the attacker then knows it for sure.

The truth, used only to score the attack, comes from an internal (exact) scope.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from queries.engine import Engine
from queries.evaluate import evaluate
from queries.places import residences
from queries.targets import evaluate_targets
from semantic.catalogue import Catalogue, load_catalogue
from semantic.scope import Scope

INTERNAL = Scope.internal()
MEASURES = {"count": ("effectif",), "ratio": ("numerateur", "denominateur")}
NARROWER = {"residence": ("commune", "epci"), "commune": ("epci",)}


def noise_amplitude(catalogue: Catalogue) -> int:
    """The public bound on a perturbed count's noise (0 where nothing is perturbed)."""
    perturbation = getattr(catalogue.parameters.secret_statistique, "perturbation", None)
    return 0 if perturbation is None else perturbation.amplitude


def cell_id(indicator, measure, snapshot, period, where: dict) -> tuple:
    """The same rows, however the query reached them: a residence's cell is the same with or
    without its commune as an extra filter."""
    where = {k: tuple(sorted(map(str, v))) for k, v in where.items()}
    for narrow, wider in NARROWER.items():
        if narrow in where:
            for w in wider:
                where.pop(w, None)
    return (indicator, measure, str(snapshot), period, tuple(sorted(where.items())))


@dataclass
class Attacker:
    engine: Engine
    scope: Scope
    catalogue: Catalogue = field(default_factory=load_catalogue)
    intervals: dict = field(default_factory=lambda: defaultdict(list))
    routes: dict = field(default_factory=lambda: defaultdict(set))
    point_hits: dict = field(default_factory=lambda: defaultdict(int))
    attempts: dict = field(default_factory=lambda: defaultdict(int))
    shown_small: list = field(default_factory=list)  # cells under the threshold shown as figures
    _cache: dict = field(default_factory=dict)
    _truth: dict = field(default_factory=dict)

    @property
    def amplitude(self) -> int:
        return noise_amplitude(self.catalogue)

    @property
    def seuil(self) -> int:
        return self.catalogue.secrecy_threshold

    # --- what the partner can ask -------------------------------------------------------------
    def ask(self, indicator, by=(), where=None, period="rolling12", snapshot=None) -> pd.DataFrame:
        key = (indicator, tuple(by), _freeze(where), period, str(snapshot))
        if key not in self._cache:
            self._cache[key] = evaluate(
                self.engine,
                indicator,
                self.scope,
                by=by,
                where=where,
                period=period,
                snapshot=snapshot,
                catalogue=self.catalogue,
            )
        return self._cache[key]

    def ask_exact(self, indicator, where, period, snapshot) -> pd.DataFrame:
        """The exact row of one cell (internal scope): the truth, to score an attack only."""
        return evaluate(
            self.engine,
            indicator,
            INTERNAL,
            where=where,
            period=period,
            snapshot=snapshot,
            catalogue=self.catalogue,
        )

    def true_count(self, indicator, measure, where, period, snapshot) -> int:
        key = (indicator, measure, _freeze(where), period, str(snapshot))
        if key not in self._truth:
            row = evaluate(
                self.engine,
                indicator,
                INTERNAL,
                where=where,
                period=period,
                snapshot=snapshot,
                catalogue=self.catalogue,
            )
            self._truth[key] = 0 if row.empty else int(row.iloc[0][measure])
        return self._truth[key]

    # --- scoring ------------------------------------------------------------------------------
    def record(
        self, route, indicator, measure, snapshot, period, where, estimate, terms, *, row_exists
    ):
        """One equation: `estimate` built from `terms` published counts, for the cell `where`."""
        truth = self.true_count(indicator, measure, where, period, snapshot)
        small = truth < self.seuil
        lo = estimate - terms * self.amplitude
        hi = estimate + terms * self.amplitude
        lo = max(lo, 1 if row_exists and measure != "numerateur" else 0)
        if small:  # the attacker may guess the cell is one of the small ones
            hi = min(hi, self.seuil - 1 + self.amplitude)
        cell = cell_id(indicator, measure, snapshot, period, where)
        self.intervals[cell].append((lo, hi, truth))
        self.routes[cell].add(route)
        self.attempts[route] += 1
        self.point_hits[route] += int(estimate == truth)

    def recovered(self) -> dict:
        """Cells left with a single possible value once every equation is intersected."""
        out = {}
        for cell, found in self.intervals.items():
            lo = max(i[0] for i in found)
            hi = min(i[1] for i in found)
            truth = found[0][2]
            assert lo <= truth <= hi, f"the truth escaped the attacker's bounds: {cell} {found}"
            if lo == hi:
                out[cell] = (truth, sorted(self.routes[cell]))
        return out

    def recovered_ratios(self) -> list:
        """Masked ratios whose numerator and denominator leave a single possible value."""
        out = []
        for cell, found in self.intervals.items():
            indicator, measure, *rest = cell
            if measure != "numerateur":
                continue
            den = self.intervals.get((indicator, "denominateur", *rest))
            if not den:
                continue
            n_lo, n_hi = max(i[0] for i in found), min(i[1] for i in found)
            d_lo, d_hi = max(i[0] for i in den), min(i[1] for i in den)
            values = {
                n / d
                for n in range(max(n_lo, 0), n_hi + 1)
                for d in range(max(d_lo, 1), d_hi + 1)
                if n <= d
            }
            if len(values) == 1:
                out.append((cell, values.pop()))
        return out

    def check_shown(self, route, df, indicator, measure, snapshot, period, where_of_row):
        """Any figure shown for a cell truly under the threshold is a leak by itself."""
        for _, row in df.iterrows():
            if row["masque"]:
                continue
            where = where_of_row(row)
            if self.true_count(indicator, "effectif", where, period, snapshot) < self.seuil:
                self.shown_small.append((route, indicator, where))


def _freeze(where) -> tuple:
    return tuple(sorted((k, tuple(v)) for k, v in (where or {}).items()))


def _measures(catalogue, indicator) -> tuple[str, ...]:
    return MEASURES["ratio" if catalogue.indicator(indicator).is_ratio else "count"]


def _value(row, measure) -> int:
    return int(row[measure])


# --- routes ---------------------------------------------------------------------------------------
def complement_by_filter(att: Attacker, indicator, epci, snapshot, period="rolling12"):
    """Roll-up and complement through a filter: a parent total minus its visible children, minus
    the masked children that a filter on each of them alone shows (issue 12, example 1)."""
    levels = [({"epci": [epci]}, "commune"), ({"epci": [epci]}, "residence")]
    communes = att.ask(indicator, by=["commune"], period=period, snapshot=snapshot)
    levels += [({"commune": [c]}, "residence") for c in communes["commune"]]
    for parent, child in levels:
        total = att.ask(indicator, where=parent, period=period, snapshot=snapshot)
        children = att.ask(indicator, by=[child], where=parent, period=period, snapshot=snapshot)
        att.check_shown(
            "filtre",
            children,
            indicator,
            "effectif",
            snapshot,
            period,
            lambda r, child=child: {child: [r[child]]},
        )
        if total.empty or total.iloc[0]["masque"]:
            continue
        hidden = children[children["masque"]][child].tolist()
        visible = children[~children["masque"]]
        revealed = {}
        for code in hidden:
            alone = att.ask(
                indicator, where={**parent, child: [code]}, period=period, snapshot=snapshot
            )
            if not alone.empty and not alone.iloc[0]["masque"]:
                revealed[code] = alone.iloc[0]
                if (
                    att.true_count(indicator, "effectif", {child: [code]}, period, snapshot)
                    < att.seuil
                ):
                    att.shown_small.append(("filtre", indicator, {child: [code]}))
        unknown = [c for c in hidden if c not in revealed]
        if len(unknown) != 1:
            continue
        ratio = att.catalogue.indicator(indicator).is_ratio
        for measure in _measures(att.catalogue, indicator):
            estimate = (
                _value(total.iloc[0], measure)
                - sum(_value(r, measure) for _, r in visible.iterrows())
                - sum(_value(r, measure) for r in revealed.values())
            )
            route = "num_den" if ratio else "filtre"  # a ratio's numerator and denominator columns
            att.record(
                route,
                indicator,
                measure,
                snapshot,
                period,
                {child: [unknown[0]]},
                estimate,
                1 + len(visible) + len(revealed),
                row_exists=True,
            )


def complement_by_other_values(att: Attacker, indicator, dimension, snapshot, period="rolling12"):
    """A commune's figure minus the same commune under every other value of a filter (issue 12,
    example 2: Voiron, réservataire « autre » = all − the four others)."""
    values = att.ask(indicator, by=[dimension], period=period, snapshot=snapshot)[
        dimension
    ].tolist()
    every = att.ask(indicator, by=["commune"], period=period, snapshot=snapshot)
    per_value = {
        v: att.ask(
            indicator, by=["commune"], where={dimension: [v]}, period=period, snapshot=snapshot
        )
        for v in values
    }
    for _, whole in every[~every["masque"]].iterrows():
        commune = whole["commune"]
        rows = {}
        for v, df in per_value.items():
            found = df[df["commune"] == commune]
            if not found.empty:
                rows[v] = found.iloc[0]
        hidden = [v for v, r in rows.items() if r["masque"]]
        if len(hidden) != 1:
            continue
        others = [r for v, r in rows.items() if v != hidden[0]]
        for measure in _measures(att.catalogue, indicator):
            estimate = _value(whole, measure) - sum(_value(r, measure) for r in others)
            att.record(
                "autres_valeurs",
                indicator,
                measure,
                snapshot,
                period,
                {"commune": [commune], dimension: [hidden[0]]},
                estimate,
                1 + len(others),
                row_exists=True,
            )


def period_arithmetic(att: Attacker, indicator, snapshot: dt.date):
    """rolling12(s) = ytd(s) + ytd(31/12 of the year before) − ytd(s − 1 year): any one of the four
    from the other three, commune by commune (issue 12, example 3)."""
    dec31 = dt.date(snapshot.year - 1, 12, 31)
    year_before = snapshot.replace(year=snapshot.year - 1)
    if not {dec31, year_before} <= set(att.engine.snapshots):
        return
    terms = {  # sign, snapshot, period
        "r12": (1, snapshot, "rolling12"),
        "ytd": (-1, snapshot, "ytd"),
        "dec31": (-1, dec31, "ytd"),
        "year_before": (1, year_before, "ytd"),
    }  # r12 - ytd - dec31 + year_before == 0
    tables = {
        name: att.ask(indicator, by=["commune"], period=p, snapshot=s).set_index("commune")
        for name, (_, s, p) in terms.items()
    }
    communes = set().union(*(t.index for t in tables.values()))
    for commune in communes:
        rows = {n: t.loc[commune] if commune in t.index else None for n, t in tables.items()}
        hidden = [n for n, r in rows.items() if r is not None and r["masque"]]
        missing = [n for n, r in rows.items() if r is None]
        if len(hidden) != 1 or missing:
            continue
        target = hidden[0]
        sign_t, snap_t, period_t = terms[target]
        for measure in _measures(att.catalogue, indicator):
            rest = sum(terms[n][0] * _value(r, measure) for n, r in rows.items() if n != target)
            att.record(
                "periodes",
                indicator,
                measure,
                snap_t,
                period_t,
                {"commune": [commune]},
                -sign_t * rest,
                3,
                row_exists=True,
            )


def quarter_from_snapshots(att: Attacker, indicator, snapshot: dt.date, previous: dt.date):
    """Two consecutive year-to-date figures of one year give the quarter between them: a cell
    never published, often under the threshold."""
    if previous.year != snapshot.year:
        return
    now = att.ask(indicator, by=["commune"], period="ytd", snapshot=snapshot).set_index("commune")
    before = att.ask(indicator, by=["commune"], period="ytd", snapshot=previous).set_index(
        "commune"
    )
    for commune in now.index.intersection(before.index):
        a, b = now.loc[commune], before.loc[commune]
        if a["masque"] or b["masque"]:
            continue
        truth_now = att.true_count(indicator, "effectif", {"commune": [commune]}, "ytd", snapshot)
        truth_before = att.true_count(
            indicator, "effectif", {"commune": [commune]}, "ytd", previous
        )
        quarter = truth_now - truth_before
        if quarter >= att.seuil:
            continue
        estimate = _value(a, "effectif") - _value(b, "effectif")
        lo = max(estimate - 2 * att.amplitude, 0)
        hi = estimate + 2 * att.amplitude
        cell = ("trimestre", indicator, str(snapshot), commune)
        att.intervals[cell].append((lo, hi, quarter))
        att.routes[cell].add("photographies")
        att.attempts["photographies"] += 1
        att.point_hits["photographies"] += int(estimate == quarter)


def target_siblings(att: Attacker, epci, snapshot):
    """The T3 cards give each réservataire's « k sur n » next to the EPCI's whole figure
    (issue 12, example 4)."""
    targets = evaluate_targets(att.engine, att.scope, snapshot, att.catalogue)
    t3 = targets[
        (targets["code"] == epci)
        & (targets["indicateur"] == "part_attributions_prioritaires")
        & targets["filtres"].str.startswith("reservataire = ")
    ]  # the legal T3 of each réservataire, or the local target that replaces it
    periods = {"annee_en_cours": "ytd", "glissant_12_mois": "rolling12"}
    for label, period in periods.items():
        rows = t3[t3["periode"] == label].drop_duplicates("filtres")
        hidden = rows[rows["statut"] == "secret"]
        visible = rows[rows["statut"] != "secret"]
        if len(hidden) != 1:
            continue
        reservataire = hidden.iloc[0]["filtres"].split(" = ")[1]
        total = att.ask(
            "part_attributions_prioritaires",
            where={"epci": [epci]},
            period=period,
            snapshot=snapshot,
        )
        if total.iloc[0]["masque"]:
            continue
        for measure in ("numerateur", "denominateur"):
            estimate = _value(total.iloc[0], measure) - sum(int(v) for v in visible[measure])
            att.record(
                "objectifs",
                "part_attributions_prioritaires",
                measure,
                snapshot,
                period,
                {"epci": [epci], "reservataire": [reservataire]},
                estimate,
                1 + len(visible),
                row_exists=True,
            )


def map_against_table(att: Attacker, epci, snapshot):
    """The map's residence points (size, tooltip) against the dashboard's masked nb_logements
    (issue 12, example 5), and the EPCI total minus the map's figures."""
    table = att.ask("nb_logements", by=["residence"], snapshot=snapshot)
    places = residences(att.engine, att.scope, snapshot=snapshot, catalogue=att.catalogue)
    merged = table.merge(places[["residence", "nb_logements"]], on="residence", how="left")
    for _, row in merged.iterrows():
        shown = row["nb_logements"]
        if row["masque"] and not pd.isna(shown):
            att.record(
                "carte",
                "nb_logements",
                "effectif",
                snapshot,
                "rolling12",
                {"residence": [row["residence"]]},
                int(shown),
                1,
                row_exists=True,
            )
        if not row["masque"] and not pd.isna(shown):
            assert int(shown) == int(row["effectif"]), "map and table disagree on one residence"
    total = att.ask("nb_logements", where={"epci": [epci]}, snapshot=snapshot)
    unknown = places[places["nb_logements"].isna()]["residence"].tolist()
    if len(unknown) == 1 and not total.iloc[0]["masque"]:
        estimate = int(total.iloc[0]["effectif"]) - int(places["nb_logements"].sum())
        att.record(
            "carte",
            "nb_logements",
            "effectif",
            snapshot,
            "rolling12",
            {"residence": [unknown[0]]},
            estimate,
            1 + int(places["nb_logements"].notna().sum()),
            row_exists=True,
        )


def summary(att: Attacker) -> dict:
    recovered = att.recovered()
    return {
        "equations": dict(att.attempts),
        "cells_attacked": len(att.intervals),
        "recovered": len(recovered),
        "recovered_by_route": _count_routes(recovered),
        "recovered_ratios": len(att.recovered_ratios()),
        "point_estimate_equal_to_truth": dict(att.point_hits),
        "shown_under_threshold": len(att.shown_small),
        "widest_doubt": _median_width(att),
    }


def _count_routes(recovered: dict) -> dict:
    out: dict[str, int] = defaultdict(int)
    for _, routes in recovered.values():
        for r in routes:
            out[r] += 1
    return dict(out)


def _median_width(att: Attacker) -> float:
    widths = sorted(min(i[1] for i in v) - max(i[0] for i in v) + 1 for v in att.intervals.values())
    return widths[len(widths) // 2] if widths else math.nan
