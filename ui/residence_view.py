"""Fiche résidence, for its page: cached calls to the query layer per scope, the residence's card,
its social profile against its EPCI, the same profile by building and floor, recent allocations
and departures — as tables and altair charts.

Every figure is a query-layer answer (`places.residences`, `evaluate`, `profile`); this module
only picks, words and draws them. Builders are plain functions, testable without Streamlit.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from queries.places import residences
from queries.profile import PROFILE, breakdown, residence_profile
from semantic.catalogue import Catalogue
from semantic.scope import Scope
from ui import data
from ui.alerts_view import FRENCH_LOCALE, shown_gap
from ui.formats import number, percent, value

INTRO = (
    "Avant une commission d'attribution : la carte d'identité d'une résidence, le profil social "
    "de ses ménages comparé à celui de son EPCI, le même profil par bâtiment et par étage, et "
    "les attributions et départs récents. Agrégats seulement : aucune donnée nominative."
)
PARAM = "residence"  # the query parameter links use (pages/carte.py, pages/objectifs.py)
# A floor whose share exceeds the residence's own by this much (20 points) is a concentration…
CONCENTRATION_GAP = 0.20
# …if at least this many households live there: a share of 1 or 2 households says nothing.
CONCENTRATION_MIN_HOUSEHOLDS = 3
DEFAULT_FLOOR_INDICATOR = "part_menages_fragiles"
INCOME_BRACKETS = (
    ("part_menages_plai", "Sous le plafond PLAI"),
    ("part_menages_plus", "Entre PLAI et PLUS"),
    ("part_menages_pls", "Entre PLUS et PLS"),
    ("part_menages_au_dela", "Au-delà du plafond PLS"),
)
# Allocations and departures of the residence: (indicator, shown only in QPV / outside QPV / both)
MOVEMENTS = (
    ("nb_attributions", None),
    ("nb_departs", None),
    ("taux_rotation", None),
    ("part_attributions_prioritaires", None),
    ("part_attributions_dalo", None),
    ("part_attributions_mutations", None),
    ("part_attributions_q1_hors_qpv", False),
    ("part_attributions_non_q1_en_qpv", True),
    ("delai_attente_median_mois", None),
)
MOVEMENT_PERIODS = (("rolling12", "12 derniers mois"), ("ytd", "Année civile en cours"))
RESIDENCE_COLOR, EPCI_COLOR = "#1f4e79", "#a6b8c8"
CACHE = dict(show_spinner=False, max_entries=data.MAX_CACHED_RESULTS, ttl=data.RESULT_TTL_SECONDS)


# --- cached calls, keyed on the scope, the snapshot and the data version -------------------------


def _key(scope: Scope) -> tuple[str, str, str]:
    eng = data.engine()
    return scope.cache_key(), eng.latest.isoformat(), data.data_version(eng)


def snapshot_date() -> dt.date:
    return data.engine().latest


def residence_list(scope: Scope) -> pd.DataFrame:
    """The residences in scope with their facts (commune, QPV, year built, dwellings…)."""
    return _residences(*_key(scope), _scope=scope)


@st.cache_data(**CACHE)
def _residences(scope_key, snapshot, version, *, _scope: Scope) -> pd.DataFrame:
    _same(scope_key, _scope)
    found = residences(data.engine(), _scope, snapshot=snapshot)
    if found.empty:
        return found
    return found.sort_values(["residence_libelle", "commune_libelle", "residence"]).reset_index(
        drop=True
    )


def profile(scope: Scope, residence: str) -> pd.DataFrame:
    return _profile(*_key(scope), residence, _scope=scope)


@st.cache_data(**CACHE)
def _profile(scope_key, snapshot, version, residence, *, _scope: Scope) -> pd.DataFrame:
    _same(scope_key, _scope)
    return residence_profile(data.engine(), residence, _scope, snapshot=snapshot)


def by_level(scope: Scope, residence: str, level: str) -> pd.DataFrame:
    """The profile by building ("batiment") or by building and floor ("etage"), long format."""
    return _by_level(*_key(scope), residence, level, _scope=scope)


@st.cache_data(**CACHE)
def _by_level(scope_key, snapshot, version, residence, level, *, _scope: Scope) -> pd.DataFrame:
    _same(scope_key, _scope)
    return breakdown(data.engine(), residence, _scope, level, snapshot=snapshot)


def indicator(scope: Scope, indicator_id: str, where: Mapping, **kwargs) -> pd.DataFrame:
    """`evaluate` at the page's snapshot, cached per scope by ui.data."""
    return data.indicator(indicator_id, scope, snapshot=snapshot_date(), where=where, **kwargs)


def _same(scope_key: str, scope: Scope) -> None:
    if scope_key != scope.cache_key():  # the key and the scope must describe the same user
        raise RuntimeError("cache key and scope disagree")


# --- choosing a residence -------------------------------------------------------------------------


def _folded(text: str) -> str:
    """Lower case without accents: « Saint-Martin-d'Hères » is found by « heres »."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search(rows: pd.DataFrame, text: str) -> pd.DataFrame:
    """The residences whose name, commune or identifier contains every word of `text`."""
    words = _folded(text).split()
    if not words or rows.empty:
        return rows
    haystack = (
        rows["residence_libelle"].astype(str)
        + " "
        + rows["commune_libelle"].astype(str)
        + " "
        + rows["residence"].astype(str)
    ).map(_folded)
    keep = pd.Series(True, index=rows.index)
    for word in words:
        keep &= haystack.str.contains(word, regex=False)
    return rows[keep]


def labels(rows: pd.DataFrame) -> dict[str, str]:
    """id → « Square Louise Michel — Grenoble (R00116) », for the selectbox."""
    return {
        r["residence"]: f"{r['residence_libelle']} — {r['commune_libelle']} ({r['residence']})"
        for r in rows.to_dict("records")
    }


def requested(param: str | None, rows: pd.DataFrame) -> str | None:
    """The residence named in the URL if it is one of the user's; None otherwise (never trusted:
    a residence outside the scope is simply not in `rows`)."""
    if not param or rows.empty:
        return None
    return param if param in set(rows["residence"]) else None


# --- the card --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    residence: str
    name: str
    epci: str
    epci_name: str
    in_qpv: bool
    enjeu_mixite: bool
    households: float | None
    vacancy: float | None  # taux_vacance of the residence
    by_financement: pd.DataFrame  # evaluate(nb_logements, by financement)
    by_rooms: pd.DataFrame  # evaluate(nb_logements, by nb_pieces)
    snapshot: dt.date


def card(scope: Scope, residence: str, facts: Mapping) -> Card:
    where = {"residence": [residence]}
    households = indicator(scope, "nb_menages", where).iloc[0]
    vacancy = indicator(scope, "taux_vacance", where).iloc[0]
    return Card(
        residence=residence,
        name=str(facts["residence_libelle"]),
        epci=str(facts["epci"]),
        epci_name=str(facts["epci_libelle"]),
        in_qpv=not pd.isna(facts.get("qpv")) and bool(facts.get("qpv")),
        enjeu_mixite=bool(facts.get("enjeu_mixite")),
        households=None if households["masque"] else households["valeur"],
        vacancy=None if vacancy["masque"] else vacancy["valeur"],
        by_financement=indicator(scope, "nb_logements", where, by=["financement"]),
        by_rooms=indicator(scope, "nb_logements", where, by=["nb_pieces"]),
        snapshot=snapshot_date(),
    )


def show_card(c: Card, facts: Mapping) -> None:
    badges = ":blue-badge[QPV]" if c.in_qpv else ""
    if c.enjeu_mixite:
        badges += " :orange-badge[Résidence à enjeu de mixité (liste CIA)]"
    st.header(f"{c.name} {badges}")
    st.markdown(place_line({**facts, "residence": c.residence}))
    st.caption(f"Photographie du {c.snapshot:%d/%m/%Y}.")
    for column, (label, text) in zip(
        st.columns(5), card_facts(facts, c.households, c.vacancy), strict=True
    ):
        column.metric(label, text, border=True)
    left, right = st.columns(2)
    for column, frame, dim, title in (
        (left, c.by_financement, "financement", "Logements par financement"),
        (right, c.by_rooms, "nb_pieces", "Logements par nombre de pièces"),
    ):
        column.markdown(f"**{title}**")
        if frame.empty:
            column.caption("Aucun logement.")
        else:
            shown = frame.sort_values(dim)
            if dim == "nb_pieces":
                shown = shown.assign(nb_pieces=shown["nb_pieces"].map(_room_label))
            column.altair_chart(bar_chart(shown, dim, title), width="stretch")


def _room_label(rooms) -> str:
    return "—" if pd.isna(rooms) else f"{int(rooms)} pièce{'s' if int(rooms) > 1 else ''}"


def place_line(row: Mapping) -> str:
    """« **Commune** : Grenoble · **EPCI** : … · **QPV** : hors QPV · **Identifiant** : R00116 »."""
    qpv = row.get("qpv_libelle")
    return " · ".join(
        [
            f"**Commune** : {row['commune_libelle']}",
            f"**EPCI** : {row['epci_libelle']}",
            f"**QPV** : {'hors QPV' if pd.isna(qpv) or not qpv else qpv}",
            f"**Identifiant** : {row['residence']}",
        ]
    )


def card_facts(row: Mapping, households: float | None, vacancy: float | None) -> list[tuple]:
    """(label, value) pairs of the card's figures, as shown."""
    built = row["annee_construction"]
    return [
        ("Construction", "—" if pd.isna(built) else str(built)),
        ("Bâtiments", number(row["nb_batiments"])),
        ("Logements", number(row["nb_logements"])),
        ("Vacants", f"{number(row['nb_vacants'])} ({percent(vacancy)})"),
        ("Ménages", number(households)),
    ]


def bar_chart(df: pd.DataFrame, category: str, title: str) -> alt.Chart:
    """Dwellings by one dimension: horizontal bars labelled with their count."""
    shown = df.assign(Nombre=df["valeur"].astype(float), Libellé=df[category].astype(str))
    shown["Texte"] = [number(v) for v in shown["Nombre"]]
    base = alt.Chart(shown).encode(
        y=alt.Y("Libellé:N", sort=list(shown["Libellé"]), title=None),
        x=alt.X("Nombre:Q", title=None, axis=None),
        tooltip=[alt.Tooltip("Libellé:N", title=title), alt.Tooltip("Texte:N", title="Logements")],
    )
    bars = base.mark_bar(color=RESIDENCE_COLOR, cornerRadiusEnd=2)
    text = base.mark_text(align="left", dx=3).encode(text="Texte:N")
    return (
        (bars + text)
        .properties(height=alt.Step(22))  # Streamlit 1.67 ignores a fixed height here
        .configure(locale=FRENCH_LOCALE)
        .configure_view(stroke=None)
    )


# --- the profile against the EPCI -----------------------------------------------------------------


def profile_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Thème": df["groupe"],
            "Indicateur": df["libelle"],
            "Résidence": [
                value(v, u, masked=m)
                for v, u, m in zip(
                    df["valeur_residence"], df["unite"], df["masque_residence"], strict=True
                )
            ],
            "EPCI": [value(v, u) for v, u in zip(df["valeur_epci"], df["unite"], strict=True)],
            "Écart": [shown_gap(v, u) for v, u in zip(df["ecart"], df["unite"], strict=True)],
            "Ménages (résidence)": [number(v) for v in df["effectif_residence"]],
        }
    )


def headline_metrics(df: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(label, residence value, « EPCI : … ») of the profile's non-ratio indicators."""
    rows = df[df["unite"] != "ratio"]
    return [
        (
            r["libelle"],
            value(r["valeur_residence"], r["unite"], masked=r["masque_residence"]),
            f"EPCI : {value(r['valeur_epci'], r['unite'])} ({shown_gap(r['ecart'], r['unite'])})",
        )
        for r in rows.to_dict("records")
    ]


def profile_groups() -> list[str]:
    return [group for group, _ in PROFILE]


def comparison_chart(df: pd.DataFrame, group: str) -> alt.Chart | None:
    """The ratio indicators of one group, residence against EPCI, as paired horizontal bars."""
    rows = df[(df["groupe"] == group) & (df["unite"] == "ratio")]
    if rows.empty:
        return None
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "Indicateur": rows["libelle"],
                    "Territoire": "Résidence",
                    "Part": rows["valeur_residence"]
                    .astype("Float64")
                    .where(~rows["masque_residence"]),
                }
            ),
            pd.DataFrame(
                {
                    "Indicateur": rows["libelle"],
                    "Territoire": "EPCI",
                    "Part": rows["valeur_epci"],
                }
            ),
        ],
        ignore_index=True,
    )
    long["Part"] = long["Part"].astype(float)
    long["Valeur"] = [percent(v) for v in long["Part"]]
    order = list(rows["libelle"])
    colors = alt.Scale(domain=["Résidence", "EPCI"], range=[RESIDENCE_COLOR, EPCI_COLOR])
    base = alt.Chart(long).encode(
        y=alt.Y("Indicateur:N", sort=order, title=None, axis=alt.Axis(labelLimit=230)),
        yOffset=alt.YOffset("Territoire:N", sort=colors.domain),
        x=alt.X("Part:Q", title=None, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=["Indicateur:N", "Territoire:N", "Valeur:N"],
    )
    bars = base.mark_bar().encode(
        color=alt.Color("Territoire:N", scale=colors, legend=alt.Legend(title=None, orient="top"))
    )
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(text="Valeur:N")
    return (
        (bars + text)
        .properties(height=alt.Step(14))  # per bar: two bars per indicator
        .configure(locale=FRENCH_LOCALE)
        .configure_view(stroke=None)
    )


def income_brackets(scope: Scope, residence: str, epci: str) -> pd.DataFrame:
    """Territoire, Tranche, Part: households by income against the ceilings, residence and EPCI."""
    rows = []
    for territory, where in (
        ("Résidence", {"residence": [residence]}),
        ("EPCI", {"epci": [epci]}),
    ):
        for order, (ind_id, label) in enumerate(INCOME_BRACKETS):
            found = indicator(scope, ind_id, where).iloc[0]
            masked = bool(found["masque"])
            share = None if masked or pd.isna(found["valeur"]) else float(found["valeur"])
            rows.append(
                {
                    "Territoire": territory,
                    "Tranche": label,
                    "Ordre": order,
                    "Part": share,
                    "Valeur": value(share, "ratio", masked=masked),
                }
            )
    return pd.DataFrame(rows)


def income_chart(brackets: pd.DataFrame) -> alt.Chart:
    """Stacked 100 % bars: the residence's and the EPCI's households by income bracket."""
    palette = alt.Scale(
        domain=[label for _, label in INCOME_BRACKETS],
        range=["#8c2d04", "#e6550d", "#fdae6b", "#c6dbef"],
    )
    return (
        alt.Chart(brackets)
        .mark_bar()
        .encode(
            y=alt.Y("Territoire:N", title=None, sort=list(dict.fromkeys(brackets["Territoire"]))),
            x=alt.X(
                "Part:Q", stack="normalize", title=None, axis=alt.Axis(format=".0%", tickCount=5)
            ),
            color=alt.Color(
                "Tranche:N", scale=palette, legend=alt.Legend(title=None, orient="top")
            ),
            order=alt.Order("Ordre:Q"),
            tooltip=["Territoire:N", "Tranche:N", "Valeur:N"],
        )
        .properties(height=alt.Step(34))
        .configure(locale=FRENCH_LOCALE)
        .configure_view(stroke=None)
    )


# --- by building and by floor ---------------------------------------------------------------------


def floor_label(etage) -> str:
    if etage is None or pd.isna(etage):
        return "Étage inconnu"
    etage = int(etage)
    return "RDC" if etage == 0 else ("1er" if etage == 1 else f"{etage}e")


def building_table(long: pd.DataFrame, prof: pd.DataFrame) -> pd.DataFrame:
    """One row per profile indicator, one column per building, then the residence and its EPCI."""
    units = dict(zip(prof["indicateur"], prof["unite"], strict=True))
    names = dict(zip(prof["indicateur"], prof["libelle"], strict=True))
    buildings = list(dict.fromkeys(long.sort_values("batiment")["batiment_libelle"]))
    rows = []
    for ind_id in ["nb_menages", *prof["indicateur"]]:
        part = long[long["indicateur"] == ind_id].set_index("batiment_libelle")
        unit = units.get(ind_id, "menages")
        row = {"Indicateur": names.get(ind_id, "Nombre de ménages")}
        for b in buildings:
            cell = part.loc[b] if b in part.index else None
            row[b] = (
                "—" if cell is None else value(cell["valeur"], unit, masked=bool(cell["masque"]))
            )
        if ind_id in units:
            p = prof[prof["indicateur"] == ind_id].iloc[0]
            row["Résidence"] = value(p["valeur_residence"], unit, masked=p["masque_residence"])
            row["EPCI"] = value(p["valeur_epci"], unit)
        else:
            total = long.loc[long["indicateur"] == "nb_menages", "valeur"].sum()
            row["Résidence"], row["EPCI"] = number(total), ""
        rows.append(row)
    return pd.DataFrame(rows)


def households_by_floor(long: pd.DataFrame) -> pd.DataFrame:
    """Households per floor (rows, top floor first) and building (columns), with a row total
    (« Ensemble »): the cells add up to the residence's households."""
    counts = long[long["indicateur"] == "nb_menages"].copy()
    counts["Étage"] = counts["etage"].map(floor_label)
    counts["_rang"] = counts["etage"].astype("Float64").fillna(-1)
    order = counts.sort_values("_rang", ascending=False)["Étage"].drop_duplicates().tolist()
    table = counts.pivot_table(
        index="Étage", columns="batiment_libelle", values="valeur", aggfunc="sum", fill_value=0
    ).reindex(order)
    table = table.astype(int)
    table.columns.name = None
    table["Ensemble"] = table.sum(axis=1)
    return table.reset_index()


def floor_cells(long: pd.DataFrame, indicator_id: str, reference: float | None) -> pd.DataFrame:
    """Bâtiment, Étage, value and households of each floor for one indicator, and whether it is a
    concentration (at least CONCENTRATION_MIN_HOUSEHOLDS households, share at least
    CONCENTRATION_GAP above the residence's)."""
    cells = long[long["indicateur"] == indicator_id].copy()
    households = long[long["indicateur"] == "nb_menages"][["batiment", "etage", "valeur"]]
    households = households.rename(columns={"valeur": "menages"})
    cells = cells.merge(households, on=["batiment", "etage"], how="left")
    cells["Bâtiment"] = cells["batiment_libelle"].astype(str)
    cells["Étage"] = cells["etage"].map(floor_label)
    cells["_rang"] = cells["etage"].astype("Float64").fillna(-1)
    cells["Part"] = (
        cells["valeur"].astype("Float64").where(~cells["masque"].astype(bool)).astype(float)
    )
    cells["Ménages"] = cells["menages"].fillna(0).astype(int)
    cells["Valeur"] = [
        value(v, "ratio", masked=m) for v, m in zip(cells["valeur"], cells["masque"], strict=True)
    ]
    enough = cells["Ménages"] >= CONCENTRATION_MIN_HOUSEHOLDS
    high = (
        cells["Part"] >= reference + CONCENTRATION_GAP - 1e-9
        if reference is not None and not pd.isna(reference)
        else pd.Series(False, index=cells.index)
    )
    cells["Concentration"] = (enough & high.fillna(False)).astype(bool)
    return cells.sort_values(["batiment", "_rang"], ascending=[True, False]).reset_index(drop=True)


def floor_heatmap(cells: pd.DataFrame, label: str) -> alt.Chart:
    """Floors (rows, top floor first) × buildings (columns), coloured by the indicator's share;
    concentrations outlined in black."""
    floors = cells.sort_values("_rang", ascending=False)["Étage"].drop_duplicates().tolist()
    base = alt.Chart(cells).encode(
        x=alt.X("Bâtiment:N", title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("Étage:N", sort=floors, title=None),
        tooltip=["Bâtiment:N", "Étage:N", alt.Tooltip("Valeur:N", title=label), "Ménages:Q"],
    )
    rect = base.mark_rect(cornerRadius=2).encode(
        color=alt.Color(
            "Part:Q",
            scale=alt.Scale(scheme="orangered", domain=[0, 1]),
            legend=alt.Legend(title=None, format=".0%", orient="right"),
        ),
        stroke=alt.condition("datum.Concentration", alt.value("black"), alt.value("white")),
        strokeWidth=alt.condition("datum.Concentration", alt.value(3), alt.value(1)),
    )
    text = base.mark_text(fontSize=11).encode(
        text="Valeur:N",
        color=alt.condition("datum.Part > 0.6", alt.value("white"), alt.value("black")),
    )
    return (
        (rect + text)
        .properties(height=alt.Step(28))
        .configure(locale=FRENCH_LOCALE)
        .configure_view(stroke=None)
    )


def concentration_lines(cells: pd.DataFrame, label: str, reference: float | None) -> list[str]:
    return [
        f"{r['Bâtiment']}, {r['Étage'] if r['Étage'] != 'RDC' else 'rez-de-chaussée'} : "
        f"{r['Valeur']} ({number(r['Ménages'])} ménages) contre {percent(reference)} "
        "dans la résidence"
        for r in cells[cells["Concentration"]].to_dict("records")
    ]


def ratio_choices(prof: pd.DataFrame) -> dict[str, str]:
    """id → label of the profile's ratio indicators (what the floor heatmap can show)."""
    rows = prof[prof["unite"] == "ratio"]
    return dict(zip(rows["indicateur"], rows["libelle"], strict=True))


# --- allocations and departures -------------------------------------------------------------------


def movements(
    scope: Scope, residence: str, in_qpv: bool, epci: str, catalogue: Catalogue
) -> pd.DataFrame:
    """Allocations and departures of the residence over the rolling 12 months and the calendar
    year to date, with the EPCI over 12 months for comparison: counts and shares only."""
    rows = []
    for ind_id, qpv_only in MOVEMENTS:
        if qpv_only is not None and qpv_only != in_qpv:
            continue
        ind = catalogue.indicator(ind_id)
        row = {"Indicateur": ind.label}
        for period, title in MOVEMENT_PERIODS:
            found = indicator(scope, ind_id, {"residence": [residence]}, period=period).iloc[0]
            row[title] = value(found["valeur"], ind.unit, masked=bool(found["masque"]))
            if ind.is_ratio and not found["masque"] and not pd.isna(found["denominateur"]):
                row[title] += f" ({number(found['numerateur'])}/{number(found['denominateur'])})"
        around = indicator(scope, ind_id, {"epci": [epci]}).iloc[0]
        row["EPCI, 12 derniers mois"] = value(
            around["valeur"], ind.unit, masked=bool(around["masque"])
        )
        rows.append(row)
    return pd.DataFrame(rows)


# --- sections of the page -------------------------------------------------------------------------


def show_profile(c: Card, prof: pd.DataFrame, brackets: pd.DataFrame) -> None:
    st.header("Profil social comparé à l'EPCI")
    st.caption(
        f"Ménages en place de la résidence comparés à ceux de {c.epci_name}. Parts calculées sur "
        "les ménages (au revenu connu pour les ressources)."
    )
    metrics = headline_metrics(prof)
    for column, (label, shown, around) in zip(st.columns(len(metrics)), metrics, strict=True):
        column.metric(label, shown, border=True)
        column.caption(around)
    st.markdown("**Ressources au regard des plafonds** (ménages au revenu connu)")
    st.altair_chart(income_chart(brackets), width="stretch")
    groups = [g for g in profile_groups() if comparison_chart(prof, g) is not None]
    for i in range(0, len(groups), 2):
        for column, group in zip(st.columns(2), groups[i : i + 2], strict=False):
            column.markdown(f"**{group}**")
            column.altair_chart(comparison_chart(prof, group), width="stretch")
    with st.expander("Tableau du profil (valeurs, écarts, effectifs)"):
        st.dataframe(profile_table(prof), hide_index=True)


def show_buildings(long: pd.DataFrame, prof: pd.DataFrame) -> None:
    st.header("Par bâtiment")
    if long.empty:
        st.info("Aucun ménage en place : pas de profil par bâtiment.")
        return
    st.dataframe(building_table(long, prof), hide_index=True, height="content")


def show_floors(long: pd.DataFrame, prof: pd.DataFrame) -> None:
    st.header("Étage par étage")
    if long.empty:
        st.info("Aucun ménage en place : pas de vue par étage.")
        return
    choices = ratio_choices(prof)
    default = (
        list(choices).index(DEFAULT_FLOOR_INDICATOR) if DEFAULT_FLOOR_INDICATOR in choices else 0
    )
    chosen = st.selectbox(
        "Indicateur",
        list(choices),
        index=default,
        format_func=choices.get,
        key="res_etage_indicateur",
    )
    ref_row = prof[prof["indicateur"] == chosen].iloc[0]
    reference = None if ref_row["masque_residence"] else ref_row["valeur_residence"]
    cells = floor_cells(long, chosen, reference)
    st.caption(
        f"{choices[chosen]} par étage et par bâtiment (résidence : {percent(reference)}). Encadrés "
        f"en noir : les étages d'au moins {CONCENTRATION_MIN_HOUSEHOLDS} ménages dont la part "
        f"dépasse celle de la résidence de {number(CONCENTRATION_GAP * 100)} points ou plus."
    )
    st.altair_chart(floor_heatmap(cells, choices[chosen]), width="stretch")
    found = concentration_lines(cells, choices[chosen], reference)
    if found:
        st.warning("Concentrations repérées :\n" + "\n".join(f"- {line}" for line in found))
    else:
        st.success("Aucune concentration marquée sur un étage pour cet indicateur.")
    households = households_by_floor(long)
    st.subheader("Ménages par étage")
    st.dataframe(households, hide_index=True, height="content")
    st.caption(f"Total : {number(households['Ensemble'].sum())} ménages, ceux de la résidence.")
