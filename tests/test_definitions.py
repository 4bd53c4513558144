"""The definitions are complete, and broken ones are reported all at once with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from semantic.catalogue import DEFINITIONS_DIR, load_catalogue
from semantic.errors import DefinitionError, UnknownNameError, UnsupportedDimensionError


def test_every_indicator_is_documented():
    cat = load_catalogue()
    for ind in cat.indicators.values():
        assert ind.label and ind.description and ind.unit and ind.source and ind.formula, ind.id
        assert len(ind.description) > 40, f"{ind.id}: a partner needs a real sentence"


def test_secrecy_threshold_is_a_parameter():
    assert load_catalogue().secrecy_threshold == 11


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS_DIR, target)
    return target


def test_broken_definitions_report_every_problem(tmp_path):
    defs = _copy(tmp_path)
    path = defs / "indicators" / "stock_logements.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        '      filter: [{column: mode_occupation, op: "=", value: vacant}]',
        '      filter: [{column: mode_occupaton, op: "=", value: vacant}]',
        1,
    )
    text = text.replace(
        "    unit: ratio\n", "    unit: ratio\n    unite: ratio\n", 1
    )  # in taux_occupation
    path.write_text(text, encoding="utf-8")
    typo_line = text.splitlines().index("    unite: ratio") + 1
    dup = defs / "indicators" / "zz_dup.yaml"
    dup.write_text(
        "indicators:\n  - id: nb_logements\n    label: x\n    theme: occupation\n    unit: logements\n"
        "    description: x\n    formula: x\n    source: x\n    aggregation: count\n    base: logements\n"
        "  - id: sans_label\n    theme: occupation\n    unit: logements\n    description: x\n"
        "    formula: x\n    source: x\n    aggregation: count\n    base: logemens\n",
        encoding="utf-8",
    )
    load_catalogue.cache_clear()
    with pytest.raises(DefinitionError) as err:
        load_catalogue(defs)
    problems = err.value.problems
    joined = "\n".join(problems)
    assert (
        f"stock_logements.yaml:{typo_line}: indicators.1.unite: clé inconnue (vouliez-vous dire « unit » ?)"
        in joined
    )
    assert (
        "zz_dup.yaml:2: identifiant « nb_logements » déjà défini (stock_logements.yaml:3)" in joined
    )
    assert any(
        p.startswith("zz_dup.yaml:11:") and "label" in p and "manquant" in p for p in problems
    )
    load_catalogue.cache_clear()


def test_unknown_column_reported_with_suggestion(tmp_path):
    defs = _copy(tmp_path)
    path = defs / "indicators" / "stock_logements.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'column: mode_occupation, op: "=", value: vacant',
            'column: mode_occupaton, op: "=", value: vacant',
        ),
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as err:
        load_catalogue(defs)
    assert any(
        "colonne inconnue « mode_occupaton »" in p
        and "mode_occupation" in p
        and p.startswith("stock_logements.yaml:")
        for p in err.value.problems
    )


def test_lookup_errors_name_value_valid_choices_and_closest():
    cat = load_catalogue()
    with pytest.raises(UnknownNameError, match="taux_vacance"):
        cat.indicator("taux_vacanse")
    with pytest.raises(UnsupportedDimensionError) as err:
        cat.check_dimension("pression_demande", "residence")
    assert str(err.value) == (
        "L'indicateur « pression_demande » ne se décline pas par « residence ». "
        "Valeurs valides : commune, epci."
    )


def _indicator_lists_named_in_code() -> dict[str, tuple[str, ...]]:
    """Every list of indicator ids a screen writes in code (not in semantic/definitions)."""
    from queries import profile
    from ui.screens.residence import residence_sections
    from ui.shared import headline

    return {
        "queries/profile.py PROFILE": profile.PROFILE_INDICATORS,
        "ui/shared/headline.py STOCK_AND_FLOW": headline.STOCK_AND_FLOW,
        "ui/screens/residence/residence_sections.py MOVEMENTS": tuple(
            i for i, _ in residence_sections.MOVEMENTS
        ),
    }


@pytest.mark.parametrize("where", sorted(_indicator_lists_named_in_code()))
def test_indicator_ids_named_in_code_exist_in_the_catalogue(where):
    ids = _indicator_lists_named_in_code()[where]
    assert ids, f"{where} names no indicator: the list moved?"
    load_catalogue().check_named_indicators(where, ids)  # raises on an unknown id


def test_an_unknown_indicator_named_in_code_fails_with_a_suggestion():
    with pytest.raises(DefinitionError) as caught:
        load_catalogue().check_named_indicators("ui/planted.py", ("nb_logement", "taux_vacance"))
    message = str(caught.value)
    assert "ui/planted.py: indicateur inconnu « nb_logement »" in message
    assert "nb_logements" in message and "taux_vacance »" not in message


def test_every_unit_and_theme_has_its_definition():
    """The Unit and Theme types and semantic/definitions/{unites,themes}.yaml name the same."""
    from typing import get_args

    from semantic.models import Theme, Unit

    catalogue = load_catalogue()
    assert set(catalogue.units) == set(get_args(Unit))
    assert set(catalogue.themes) == set(get_args(Theme))
    assert catalogue.unit("ratio").pourcentage and catalogue.unit("ratio").decimales == 1
    assert catalogue.unit("euros_par_an").suffixe == " €"
    with pytest.raises(UnknownNameError, match="logement"):
        catalogue.unit("logement")


def test_coded_dimensions_name_exactly_the_codes_of_the_contract():
    """The labels of a coded dimension (dimensions.yaml `values`) cover the contract's codes, in
    the contract's order: the screens' pickers list them so."""
    from dataroot import contract

    dimensions = load_catalogue().dimensions
    assert tuple(dimensions["reservataire"].values) == contract.RESERVATAIRES
    assert tuple(dimensions["composition"].values) == contract.COMPOSITIONS
    assert dimensions["reservataire"].values["etat"] == "État (contingent préfectoral)"


# The folders whose code reads the vocabularies of semantic/definitions and must not write them.
_READERS = ("ui", "reports", "queries", "cli", "pages", "Home.py")
# Assignments that hold another vocabulary or another wording, kept in code on purpose.
_OTHER_WORDINGS = {
    "ui/screens/objectifs/target_cards.py NOUNS",  # a unit's noun, singular and plural
    "ui/screens/objectifs/target_cards.py VALUE_LABELS",  # réservataires inside a sentence
    "ui/screens/administration/snapshots_view.py TABLE_LABELS",  # tables, some named as units
    "queries/bench/pandas_questions.py PANDAS_COLUMNS",  # tables, some named as units
}


def _vocabularies() -> dict[str, set[str]]:
    """Each vocabulary of the definitions: its codes (units, themes, coded dimensions)."""
    catalogue = load_catalogue()
    vocabularies = {"unites.yaml": set(catalogue.units), "themes.yaml": set(catalogue.themes)}
    for dim_id, dim in catalogue.dimensions.items():
        if dim.values:
            vocabularies[f"dimensions.yaml {dim_id}"] = set(dim.values)
    return vocabularies


def _written_vocabularies(
    source: str, vocabularies: dict[str, set[str]], path: str = ""
) -> list[str]:
    """Dict literals keyed by three codes or more of one vocabulary, and strings equal to a coded
    dimension's label of more than one word: a vocabulary written again in code."""
    import ast

    catalogue = load_catalogue()
    labels = {
        label
        for dim in catalogue.dimensions.values()
        for label in dim.values.values()
        if " " in label
    }
    found = []
    for statement in ast.parse(source).body:
        targets = getattr(statement, "targets", None) or [getattr(statement, "target", None)]
        name = f"{path} {getattr(targets[0], 'id', '')}"
        for node in ast.walk(statement):
            found += _written(node, name, vocabularies, labels)
    return found


def _written(node, name: str, vocabularies: dict[str, set[str]], labels: set[str]) -> list[str]:
    import ast

    found = []
    if name not in _OTHER_WORDINGS:
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            found += [
                f"ligne {node.lineno} : un dictionnaire des codes de {vocabulary}"
                for vocabulary, codes in vocabularies.items()
                if len(keys & codes) >= 3
            ]
        elif isinstance(node, ast.Constant) and node.value in labels:
            found.append(f"ligne {node.lineno} : le libellé « {node.value} »")
    return found


def test_vocabularies_are_written_once_in_the_definitions():
    """Units, themes and code labels are data (semantic/definitions): code reads them, it never
    writes a table of them again (a re-typed copy drifts from the definitions)."""
    root = Path(__file__).resolve().parents[1]
    vocabularies = _vocabularies()
    files = [root / "Home.py"] + [
        path for folder in _READERS[:-1] for path in sorted((root / folder).rglob("*.py"))
    ]
    found = [
        f"{path.relative_to(root)}: {problem}"
        for path in files
        for problem in _written_vocabularies(
            path.read_text(encoding="utf-8"), vocabularies, str(path.relative_to(root))
        )
    ]
    assert found == []


def test_a_vocabulary_written_again_in_code_is_caught():
    planted = (
        'UNIT_WORDS = {"ratio": "%", "logements": "logements", "menages": "ménages"}\n'
        'LABELS = {"etat": "État", "bailleur": "Bailleur", "autre": "Autre"}\n'
        'title = "Famille monoparentale"\n'
    )
    assert _written_vocabularies(planted, _vocabularies()) == [
        "ligne 1 : un dictionnaire des codes de unites.yaml",
        "ligne 2 : un dictionnaire des codes de dimensions.yaml reservataire",
        "ligne 3 : le libellé « Famille monoparentale »",
    ]
