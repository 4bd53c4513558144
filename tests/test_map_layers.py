"""The map's layers without Streamlit: classes computed by hand, colours of residences on the tiny
data root, neutral masked residences that carry no value, EPCI outlines, the view and the deck.

Tiny root at its latest snapshot (see tests/tiny_data.py), vacancy by residence:
R1 (Grenoble, QPV) 1 vacant of 5 offered = 20 %; R2 (Saint-Martin-d'Hères) 1 of 3 = 33,3 %;
R3 (Voiron, Pays Voironnais) 0 of 2 = 0 %. Three distinct values, so three quantile classes
starting at 0 %, 20 % and 33,3 %: R3 in class 0, R1 in class 1, R2 in class 2, coloured with the
first, middle and last colours of the palette.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest

from queries.map_attention import flag_threshold
from queries.map_data import MapData, map_data
from queries.map_geometry import epci_outlines
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from tests.tiny_data import E1, E2
from ui.screens.carte import map_layers as ml
from ui.screens.carte import map_legend as mlg
from ui.screens.carte import map_projects as mpj
from ui.shared.formats import NBSP

MANAGER = Scope.internal("manager")
PARTNER = Scope(role="partenaire", epci=(E2,))
PALETTE = mlg.RESIDENCE_PALETTE
LAYERS = ["communes", "qpv", "epci", "residences", "qpv-contours", "residences-attention"]


def pct(text: str) -> str:
    return text.replace(" %", f"{NBSP}%")


def deck_json(md, scope: Scope, indicator: str = "taux_vacance", **kwargs) -> dict:
    built = ml.build_map(
        md,
        residence_indicator=indicator,
        commune_indicator=kwargs.pop("commune_indicator", None),
        threshold=kwargs.pop("threshold", None),
        scope=scope,
        **kwargs,
    )
    return json.loads(built.deck.to_json())


def layer(deck: dict, layer_id: str) -> dict:
    (found,) = [item for item in deck["layers"] if item["id"] == layer_id]
    return found


# --- classes ---------------------------------------------------------------------------------


def test_quantile_classes_by_hand():
    scale = mlg.classify([0.5, 0.1, 0.3, 0.2, 0.4, None, pd.NA, float("nan")], "ratio")
    assert scale.thresholds == (0.2, 0.3, 0.4, 0.5)
    assert scale.colours == PALETTE
    assert scale.counts == (1, 1, 1, 1, 1)
    assert scale.labels[0] == pct("de 10,0 % à moins de 20,0 %")
    assert scale.labels[-1] == pct("50,0 %")
    assert [scale.index(v) for v in (0.1, 0.19, 0.2, 0.45, 0.5)] == [0, 0, 1, 3, 4]
    assert scale.index(None) is None and scale.index(pd.NA) is None


def test_all_equal_values_give_one_class_in_the_middle_colour():
    scale = mlg.classify([0.25] * 4, "ratio")
    assert scale.thresholds == () and scale.counts == (4,)
    assert scale.colours == (PALETTE[2],)
    assert scale.labels == (pct("25,0 % (valeur unique)"),)
    assert scale.index(0.25) == 0


def test_ties_never_leave_a_class_empty():
    scale = mlg.classify([0, 0, 0, 1], "logements")
    assert scale.thresholds == (1.0,) and scale.counts == (3, 1)
    assert scale.colours == (PALETTE[0], PALETTE[4])
    many = mlg.classify([1, 1, 1, 1, 2, 2, 3, 9, 9, 9, 9, 9], "logements")
    assert many.thresholds == (2.0, 3.0, 9.0) and min(many.counts) > 0


def test_a_top_value_filling_the_upper_quantiles_gives_fewer_classes():
    # 3 distinct values ask for 3 classes, but 5 already starts at the first third: the second
    # third has no value above 5 to start at (this raised ValueError on the demo's PLAI map)
    scale = mlg.classify([0, 1, 5, 5, 5, 5, 5, 5, 5, 5], "logements")
    assert scale.thresholds == (5.0,) and scale.counts == (2, 8)
    assert scale.colours == (PALETTE[0], PALETTE[4])


def test_fixed_breaks_keep_an_empty_class_and_its_colour():
    scale = mlg.classify([0.05, 0.25, 0.27], "ratio", breaks=[0.1, 0.2, 0.3])
    assert scale.counts == (1, 0, 2, 0)
    assert scale.colours == (PALETTE[0], PALETTE[1], PALETTE[3], PALETTE[4])
    assert scale.labels == tuple(
        pct(t)
        for t in (
            "moins de 10,0 %",
            "de 10,0 % à moins de 20,0 %",
            "de 20,0 % à moins de 30,0 %",
            "30,0 % ou plus",
        )
    )
    entries = mlg.legend(scale, masked=0, missing=0, shape="disque")
    assert [e.count for e in entries] == [1, 0, 2, 0]


def test_no_value_gives_no_class_and_a_neutral_legend():
    scale = mlg.classify([None, pd.NA], "ratio")
    assert scale.colours == () and scale.index(0.3) is None
    entries = mlg.legend(scale, masked=2, missing=1, shape="disque")
    assert [(e.label, e.colour, e.count) for e in entries] == [
        ("secret statistique (< 11)", mlg.MASKED_COLOUR, 2),
        ("non mesurable", mlg.MISSING_COLOUR, 1),
    ]


def test_too_many_fixed_classes_for_the_palette_is_refused():
    with pytest.raises(ValueError, match="6 classes"):
        mlg.classify([0.1], "ratio", breaks=[0.1, 0.2, 0.3, 0.4, 0.5])


# --- residences on the tiny root ---------------------------------------------------------------


def test_expected_layers_and_no_basemap(tiny_engine):
    md = map_data(tiny_engine, MANAGER, residence_indicator="taux_vacance")
    deck = deck_json(md, MANAGER)
    assert [item["id"] for item in deck["layers"]] == LAYERS
    assert deck["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in deck  # Streamlit: none
    with_tiles = deck_json(md, MANAGER, basemap=True)
    assert with_tiles["mapProvider"] == "carto" and "positron" in with_tiles["mapStyle"]


def test_residence_colours_match_the_classes_computed_by_hand(tiny_engine):
    md = map_data(tiny_engine, MANAGER, residence_indicator="taux_vacance")
    points = {p["residence"]: p for p in layer(deck_json(md, MANAGER), "residences")["data"]}
    assert {r: p["classe"] for r, p in points.items()} == {"R3": 0, "R1": 1, "R2": 2}
    assert points["R3"]["couleur"] == [*PALETTE[0], ml.POINT_ALPHA]
    assert points["R1"]["couleur"] == [*PALETTE[2], ml.POINT_ALPHA]
    assert points["R2"]["couleur"] == [*PALETTE[4], ml.POINT_ALPHA]
    assert points["R1"]["infobulle"].split("\n") == [
        "Les Tilleuls (R1)",
        "Commune : Grenoble",
        "QPV : QPV fictif Mistral",
        "Logements : 6",
        pct("Taux de vacance : 20,0 % (effectif : 5)"),
    ]
    assert points["R2"]["infobulle"].split("\n")[2] == "Hors QPV"
    # the largest residence (6 dwellings) has the largest point, area proportional to dwellings
    assert points["R1"]["rayon"] == ml.MIN_RADIUS_PX + ml.MAX_EXTRA_RADIUS_PX
    assert points["R2"]["rayon"] == round(2 + 5.5 * math.sqrt(3 / 6), 1)


def test_partner_sees_only_their_residence_masked_neutral_and_without_value(tiny_engine):
    md = map_data(tiny_engine, PARTNER, residence_indicator="taux_vacance")
    deck = deck_json(md, PARTNER)
    (point,) = layer(deck, "residences")["data"]
    assert point["residence"] == "R3"
    assert point["classe"] is None and point["couleur"][:3] == list(mlg.MASKED_COLOUR)
    assert point["infobulle"].endswith(
        "Taux de vacance : secret statistique (moins de 11 ménages ou attributions)"
    )
    text = json.dumps(deck, ensure_ascii=False)
    for other in ('"R1"', '"R2"', "Grenoble", "Saint-Martin", "QN03801T", "Mistral", E1):
        assert other not in text
    assert "effectif" not in text and "0,0" not in text  # R3's hidden rate is 0 %
    assert set(point) == {
        "residence",
        "position",
        "rayon",
        "classe",
        "couleur",
        "attention",
        "infobulle",
    }


def test_a_masked_row_never_shows_its_value_even_if_one_slipped_through():
    row = {
        "residence": "X",
        "residence_libelle": "Les Cèdres",
        "commune_libelle": "Voiron",
        "qpv_libelle": None,
        "lat": 45.36,
        "lon": 5.59,
        "nb_logements": 40,
        "valeur": 0.9,  # must be ignored: the row is masked
        "effectif": 7,
        "masque": True,
    }
    scale = mlg.classify([0.1, 0.9], "ratio")
    (record,) = ml.residence_records(
        pd.DataFrame([row]), scale, "part_menages_fragiles", None, show_effectif=True
    )
    assert record["couleur"][:3] == list(mlg.MASKED_COLOUR) and record["classe"] is None
    assert "secret statistique (moins de 11 ménages ou attributions)" in record["infobulle"]
    assert "90" not in json.dumps(record) and "effectif" not in record["infobulle"]


def test_qpv_tooltip_says_fictitious_and_legend_too(tiny_engine):
    md = map_data(tiny_engine, MANAGER, residence_indicator="taux_vacance")
    built = ml.build_map(
        md,
        residence_indicator="taux_vacance",
        commune_indicator=None,
        threshold=None,
        scope=MANAGER,
    )
    deck = json.loads(built.deck.to_json())
    (qpv,) = layer(deck, "qpv")["data"]["features"]
    assert qpv["properties"]["infobulle"].split("\n") == [
        "QPV fictif Mistral (QN03801T)",
        "Commune : Grenoble",
        "Périmètre fictif (données de démonstration)",
    ]
    titles = [title for title, _ in built.legends]
    assert titles == ["Résidences : Taux de vacance", "Repères"]
    context = [e.label for e in built.legends[-1][1]]
    assert "QPV — périmètres fictifs (démonstration)" in context


def test_threshold_flags_only_visible_values_and_lists_them(tiny_engine):
    md = map_data(tiny_engine, MANAGER, residence_indicator="taux_vacance")
    flagged = flag_threshold(md.residences, 0.25).set_index("residence")
    assert flagged["au_dessus_seuil"].to_dict() == {"R1": False, "R2": True, "R3": False}
    items = ml.attention_items(flagged.reset_index(), "taux_vacance", 0.25, "manager")
    assert [(i.residence, i.reasons, i.linkable) for i in items] == [
        ("R2", (pct("Taux de vacance au-dessus du seuil de 25,0 %"),), True)
    ]
    partner = map_data(tiny_engine, PARTNER, residence_indicator="taux_vacance")
    assert not flag_threshold(partner.residences, -1.0)["attention"].any()  # masked: never
    assert (
        ml.attention_items(flagged.reset_index(), "taux_vacance", 0.25, "partenaire")[0].linkable
        is False
    )


# --- communes, EPCI outlines, view --------------------------------------------------------------


def polygon(*points) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[*map(list, points), list(points[0])]]})


COMMUNES = pd.DataFrame(
    {
        "commune": ["A", "B", "C"],
        "commune_libelle": ["Alpha", "Bêta", "Gamma"],
        "epci": ["E", "E", "F"],
        "epci_libelle": ["EPCI E", "EPCI E", "EPCI F"],
        # A and B share the border x = 5.1, which B's ring (simplified on its own) bends by 4 m
        "geometry": [
            polygon((5.0, 45.0), (5.1, 45.0), (5.1, 45.1), (5.0, 45.1)),
            polygon((5.1, 45.0), (5.2, 45.0), (5.2, 45.1), (5.1, 45.1), (5.10005, 45.05)),
            polygon((5.5, 45.5), (5.6, 45.5), (5.6, 45.6), (5.5, 45.6)),
        ],
        "valeur": pd.array([2.0, 2.0, None], dtype="Float64"),
        "effectif": pd.array([30, 25, None], dtype="Int64"),
        "masque": [False, False, True],
    }
)


def test_epci_outline_drops_the_border_two_of_its_communes_share():
    outlines = epci_outlines(COMMUNES).set_index("epci")
    lines = json.loads(outlines.loc["E", "geometry"])["coordinates"]
    points = {tuple(p) for line in lines for p in line}
    assert (5.10005, 45.05) not in points
    segments = {
        tuple(sorted((tuple(a), tuple(b))))
        for line in lines
        for a, b in zip(line, line[1:], strict=False)
    }
    assert ((5.1, 45.0), (5.1, 45.1)) not in segments  # the shared border is gone
    assert ((5.0, 45.0), (5.0, 45.1)) in segments and ((5.2, 45.0), (5.2, 45.1)) in segments
    assert len(json.loads(outlines.loc["F", "geometry"])["coordinates"]) == 1  # one closed line


def test_commune_choropleth_all_equal_and_masked_commune():
    scale = mlg.classify(
        COMMUNES.loc[~COMMUNES["masque"], "valeur"],
        "demandes_par_attribution",
        palette=mlg.COMMUNE_PALETTE,
        neutral=(ml.MASKED_AREA, mlg.COMMUNE_FILL),
    )
    built = ml.commune_layer(COMMUNES, scale, "pression_demande", show_effectif=False)
    features = {f["properties"]["commune"]: f["properties"] for f in built.data["features"]}
    assert (
        features["A"]["couleur"][:3] == features["B"]["couleur"][:3] == list(mlg.COMMUNE_PALETTE[2])
    )
    assert features["C"]["couleur"][:3] == list(ml.MASKED_AREA)
    assert features["C"]["infobulle"].endswith(
        "Demandes SNE (tous bailleurs) par attribution du bailleur : secret statistique (moins de 11 ménages ou attributions)"
    )
    assert features["A"]["infobulle"].endswith(
        "Demandes SNE (tous bailleurs) par attribution du bailleur : 2,00"
    )  # no effectif


def test_view_fits_every_point():
    points = [(5.0, 45.0), (5.8, 45.6)]
    view = ml.view_state(points, width=800, height=600)
    scale = ml.TILE_PX * 2**view.zoom
    width_px = (5.8 - 5.0) / 360 * scale

    def merc(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    height_px = (merc(45.6) - merc(45.0)) / (2 * math.pi) * scale
    assert width_px <= 800 and height_px <= 600
    assert max(width_px / 800, height_px / 600) > 0.8  # and fills most of it
    assert 5.0 < view.longitude < 5.8 and 45.0 < view.latitude < 45.6
    assert ml.view_state([(5.7, 45.2)]).zoom == pytest.approx(13.9)


def test_legend_html_escapes_labels():
    entry = mlg.LegendEntry("<b>QPV</b>", mlg.QPV_FILL, "carre", border=mlg.QPV_LINE)
    text = mlg.legend_html("Repères & co", [entry])
    assert "&lt;b&gt;QPV&lt;/b&gt;" in text and "Repères &amp; co" in text


# --- communes coloured by demand pressure for one typology (issue 15) ----------------------------


def test_communes_coloured_by_the_pressure_of_one_typology(tiny_engine):
    # S3, 2025 allocations. All rooms: Grenoble DM1, DM2 / A1, A7 = 1; Saint-Martin-d'Hères
    # DM3 / A5, A6 = 0.5; Voiron DM4 / A2, A3 = 0.5. Three rooms only: Grenoble DM2 / A1 (L05)
    # = 1; Saint-Martin-d'Hères no demand / A5 (L08) = 0; Voiron neither: no value
    kwargs = dict(
        residence_indicator="taux_vacance", commune_indicator="pression_demande_typologie"
    )
    every = map_data(tiny_engine, MANAGER, **kwargs)
    values = dict(zip(every.communes["commune"], every.communes["valeur"], strict=True))
    assert values == {"38185": 1.0, "38421": 0.5, "38563": 0.5}
    assert every.typology is None
    t3 = map_data(tiny_engine, MANAGER, typology="T3", **kwargs)
    values = dict(zip(t3.communes["commune"], t3.communes["valeur"], strict=True))
    assert (values["38185"], values["38421"]) == (1.0, 0.0) and pd.isna(values["38563"])
    built = ml.build_map(
        t3,
        residence_indicator="taux_vacance",
        commune_indicator="pression_demande_typologie",
        threshold=None,
        scope=MANAGER,
    )
    titles = [title for title, _ in built.legends]
    assert titles[1] == (
        "Communes : Demandes SNE (tous bailleurs) par attribution du bailleur, par typologie · T3"
    )
    # an indicator that is not split by rooms ignores the typology
    plain = map_data(
        tiny_engine, MANAGER, residence_indicator="taux_vacance", typology="T3",
        commune_indicator="pression_demande",
    )  # fmt: skip
    assert plain.typology is None
    assert (
        dict(zip(plain.communes["commune"], plain.communes["valeur"], strict=True))["38421"] == 0.5
    )


# --- minimum count per class (parametres.yaml, carte.effectif_minimum_classe) ----------------


def hand_map(rows: list[tuple[str, float | None, int | None, bool]]) -> MapData:
    """A MapData of residences (id, value, effectif, masked) placed apart, no boundary."""
    frame = pd.DataFrame(
        [
            {
                "residence": rid,
                "residence_libelle": f"Résidence {rid}",
                "commune": "38185",
                "commune_libelle": "Grenoble",
                "epci": E1,
                "epci_libelle": "Grenoble-Alpes-Métropole",
                "qpv_libelle": None,
                "enjeu_mixite": False,
                "lat": 45.18 + i / 100,
                "lon": 5.72,
                "nb_logements": 20,
                "valeur": value,
                "effectif": effectif,
                "masque": masked,
                "objectif_statut": None,
                "objectif_indicateur": None,
                "objectif_sens": None,
                "objectif_cible": None,
                "evolution_fragilite": pd.NA,
                "fragilite_en_hausse": False,
            }
            for i, (rid, value, effectif, masked) in enumerate(rows)
        ]
    )
    frame["valeur"] = frame["valeur"].astype("Float64")
    frame["effectif"] = frame["effectif"].astype("Int64")
    empty = pd.DataFrame(columns=["geometry"])
    return MapData(dt.date(2025, 12, 31), None, frame, empty, empty, empty, ())


def test_the_minimum_per_class_is_a_parameter_of_five():
    assert load_catalogue().parameters.carte.effectif_minimum_classe == 5


def test_a_t1_share_on_two_allocations_is_grey_one_on_six_gets_its_colour():
    # A: 1 priority allocation of 2 (50 %) — too few; B: 3 of 6 (50 %) and C: 0 of 6 (0 %) get
    # classes. Two distinct values: two quantile classes, T1's palette reversed (low = red):
    # C (0 %) class 0 in the red end, B (50 %) class 1 in the yellow end.
    md = hand_map([("A", 0.5, 2, False), ("B", 0.5, 6, False), ("C", 0.0, 6, False)])
    built = ml.build_map(
        md,
        residence_indicator="part_attributions_q1_hors_qpv",
        commune_indicator=None,
        threshold=0.25,  # A is below it, but on 2 allocations: no alert either
        scope=MANAGER,
    )
    deck = json.loads(built.deck.to_json())
    points = {p["residence"]: p for p in layer(deck, "residences")["data"]}
    assert points["A"]["classe"] is None and points["A"]["couleur"][:3] == list(mlg.FEW_COLOUR)
    assert points["B"]["classe"] == 1 and points["B"]["couleur"][:3] == list(PALETTE[0])
    assert points["C"]["classe"] == 0 and points["C"]["couleur"][:3] == list(PALETTE[-1])
    assert "trop peu de cas pour une classe" in points["A"]["infobulle"]
    title, entries = built.legends[0]
    labels = [(e.label, e.count) for e in entries]
    assert ("trop peu d'attributions (< 5)", 1) in labels
    assert [e.count for e in entries if "trop peu" not in e.label] == [1, 1]
    assert "1 résidence(s) en gris clair : moins de 5 attributions" in built.caption
    assert [item.residence for item in built.attention] == ["C"]  # 0 % < 25 %, on 6: listed


def test_four_allocations_grey_five_coloured_and_stock_shares_never_grey():
    md = hand_map([("A", 0.25, 4, False), ("B", 0.5, 5, False)])
    built = ml.build_map(
        md,
        residence_indicator="part_attributions_q1_hors_qpv",
        commune_indicator=None,
        threshold=None,
        scope=MANAGER,
    )
    points = {
        p["residence"]: p for p in layer(json.loads(built.deck.to_json()), "residences")["data"]
    }
    assert points["A"]["classe"] is None and points["B"]["classe"] == 0
    # a stock share (vacancy: a census of the residence's dwellings) is coloured on 2 dwellings
    built = ml.build_map(
        md,
        residence_indicator="taux_vacance",
        commune_indicator=None,
        threshold=None,
        scope=MANAGER,
    )
    points = {
        p["residence"]: p for p in layer(json.loads(built.deck.to_json()), "residences")["data"]
    }
    assert points["A"]["classe"] == 0 and points["B"]["classe"] == 1
    assert not any("trop peu" in e.label for e in built.legends[0][1])


def test_a_partner_map_all_grey_says_why():
    md = hand_map([("A", None, None, True), ("B", None, None, True)])
    built = ml.build_map(
        md,
        residence_indicator="part_attributions_q1_hors_qpv",
        commune_indicator=None,
        threshold=None,
        scope=PARTNER,
    )
    (title, entries) = built.legends[0]
    assert [(e.label, e.count) for e in entries] == [("secret statistique (< 11)", 2)]
    assert "valeurs sur moins de 11 attributions masquées (< 11)" in built.caption
    assert (
        "Aucune résidence n'est colorée : toutes sont sous le secret statistique" in built.caption
    )


def test_points_are_pixels_clamped_and_qpv_outlines_drawn_over_them(tiny_engine):
    md = map_data(tiny_engine, MANAGER, residence_indicator="taux_vacance")
    deck = deck_json(md, MANAGER)
    points = layer(deck, "residences")
    assert points["radiusUnits"] == "pixels"
    assert (points["radiusMinPixels"], points["radiusMaxPixels"]) == (2, 9)
    assert max(p["rayon"] for p in points["data"]) == 7.5  # 2 + 5,5 px for the largest
    ids = [item["id"] for item in deck["layers"]]
    assert ids.index("qpv-contours") > ids.index("residences")


# --- urban projects on the map (issue 16) ------------------------------------------------------


def project(**kw):
    from store.urban_projects import Project

    fields = dict(
        id=1, name="NPNRU Mistral", epci=E1, communes=("38185",), qpv=(), residences=("A",),
        demolitions=60, rehousing=48, start=dt.date(2024, 1, 1), end=dt.date(2029, 12, 31),
        organisation="Bailleur",
    )  # fmt: skip
    return Project(**(fields | kw))


def test_a_project_tooltip_gives_works_dates_and_rehousing_progress_by_hand():
    text = mpj.project_text(project(), ["Résidence A"], 12.0, masks=False).split("\n")
    assert text == [
        "Projet urbain : NPNRU Mistral",
        "Démolitions prévues : 60 · relogements prévus : 48",
        "Calendrier : 01/2024 → 12/2029",
        pct("Relogements ANRU sur 12 mois (territoire du projet) : 12 pour 48 prévus (25,0 %)"),
        "Concerne : Résidence A",
    ]
    # a partner's masked count is never shown, an internal role is told it is not available
    masked = mpj.project_text(project(), [], None, masks=True).split("\n")[3]
    assert masked.endswith("secret statistique (moins de 11 ménages ou attributions)")
    missing = mpj.project_text(project(start=None, end=None), [], None, masks=False).split("\n")
    assert missing[2] == "Calendrier : non renseigné"
    assert missing[3].endswith("non disponible (indicateur ANRU absent des données)")


def test_projects_are_drawn_only_on_the_places_the_map_shows():
    md = hand_map([("A", 0.5, 6, False), ("B", 0.5, 6, False)])
    shown = project(residences=("A", "Z"))  # Z: not on this map (filters, or out of scope)
    elsewhere = project(id=2, name="NPNRU ailleurs", residences=("Z",))
    built = ml.build_map(
        md,
        residence_indicator="part_attributions_q1_hors_qpv",
        commune_indicator=None,
        threshold=0.6,  # both under it, on 6 allocations: both on the attention list
        scope=MANAGER,
        concertation=ml.Concertation(
            open_plans={"A": 2}, comments={"A": 1, "B": 3}, projects=(shown, elsewhere)
        ),
    )
    deck = json.loads(built.deck.to_json())
    (marker,) = layer(deck, "projets-urbains")["data"]
    assert marker["position"] == [5.72, 45.18] and marker["infobulle"].startswith(
        "Projet urbain : NPNRU Mistral"
    )
    assert [r["position"] for r in layer(deck, "projets-urbains-residences")["data"]] == [
        [5.72, 45.18]
    ]
    assert "NPNRU ailleurs" not in json.dumps(deck, ensure_ascii=False)
    assert any(e.label == "projet urbain (ANRU) et ses résidences" for e in built.legends[-1][1])
    found = {i.residence: (i.open_plans, i.comments, i.projects, i.epci) for i in built.attention}
    assert found == {"A": (2, 1, ("NPNRU Mistral",), E1), "B": (0, 3, (), E1)}


def test_epci_areas_merge_their_communes_into_one_polygon_each():
    """A and B (EPCI E) become one 0.2° × 0.1° rectangle, B's bent border gone; C alone is F."""
    import shapely

    from queries.map_geometry import epci_areas

    areas = epci_areas(COMMUNES).set_index("epci")
    assert list(areas.index) == ["E", "F"]
    assert list(areas["commune_libelle"]) == ["EPCI E", "EPCI F"]  # what the layer labels
    e = shapely.from_geojson(areas.loc["E", "geometry"])
    assert e.geom_type == "Polygon" and len(e.interiors) == 0  # no sliver left inside
    assert e.area == pytest.approx(0.02, rel=0.01)
    assert e.bounds == pytest.approx((5.0, 45.0, 5.2, 45.1), abs=1e-4)
    assert shapely.from_geojson(areas.loc["F", "geometry"]).area == pytest.approx(0.01, rel=0.01)


def test_a_map_too_wide_for_its_communes_draws_epcis_and_no_residence(tiny_engine, monkeypatch):
    """Past the limits (lowered here to the tiny data's size) the areas are the EPCIs, coloured
    by the area indicator evaluated by EPCI, no QPV and no residence point; the caption says
    what to choose to see them."""
    from queries import map_data as mq
    from queries.evaluate import evaluate

    monkeypatch.setattr(mq, "MAX_COMMUNES_DRAWN", 1)
    monkeypatch.setattr(mq, "MAX_RESIDENCES_DRAWN", 1)
    scope = Scope.internal()
    md = map_data(
        tiny_engine, scope, residence_indicator="taux_vacance", commune_indicator="taux_vacance"
    )
    places = mq.residences(tiny_engine, scope)
    assert (md.area_level, md.residences_hidden, len(md.residences)) == ("epci", len(places), 0)
    assert md.qpv.empty
    by_epci = evaluate(tiny_engine, "taux_vacance", scope, by=["epci"]).set_index("epci")
    shown = md.communes.set_index("epci")
    assert set(shown.index) == {E1, E2}
    for code in (E1, E2):
        assert shown.loc[code, "valeur"] == pytest.approx(by_epci.loc[code, "valeur"])
    deck = deck_json(md, scope, commune_indicator="taux_vacance")
    assert [item["id"] for item in deck["layers"]][0] == "epci-zones"
    built = ml.build_map(
        md,
        residence_indicator="taux_vacance",
        commune_indicator="taux_vacance",
        threshold=None,
        scope=scope,
    )
    assert "les zones sont les EPCI" in built.caption
    assert f"{len(places)} résidences : trop pour les dessiner" in built.caption
    assert built.legends[1][0].startswith("EPCI : ")
