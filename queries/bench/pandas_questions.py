"""The benchmark's questions answered in pandas, from DataFrames read off the raw Parquet files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from dataroot.contract import TABLES
from dataroot.layout import table_path
from queries.bench.questions import rolling_period

PANDAS_COLUMNS = {
    "territoires": ["code_commune", "nom_commune", "code_epci", "nom_epci", "zone_plafonds"],
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
PANDAS_GROUPS = {
    "epci": ("code_epci", "nom_epci"),
    "commune": ("code_commune", "nom_commune"),
    "residence": ("id_residence", "nom_residence"),
}


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
