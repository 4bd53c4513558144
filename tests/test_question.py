"""The question evaluate, compare and series answer: its fields written once (queries/question.py),
the keyword API unchanged, and each keyword still checked."""

from __future__ import annotations

import dataclasses

import pytest

from queries.comparisons import compare
from queries.evaluate import answer, evaluate, make_request
from queries.question import Question, QuestionFields, SliceFields
from queries.series import series
from semantic.catalogue import load_catalogue
from semantic.scope import Scope

ALL = Scope.internal("manager")
E1 = "200040715"  # Grenoble-Alpes-Métropole in tests/tiny_data.py


def test_the_keywords_are_the_fields_of_the_question():
    fields = {f.name for f in dataclasses.fields(Question)} - {"indicator"}
    assert set(QuestionFields.__optional_keys__) == fields
    assert set(SliceFields.__optional_keys__) == fields - {"snapshot"}
    assert not QuestionFields.__required_keys__


def test_a_question_holds_its_breakdown_as_a_tuple_and_refuses_an_unknown_keyword():
    question = Question.of("taux_vacance", by=iter(["epci"]), where={"epci": E1})
    assert question == Question("taux_vacance", None, ("epci",), {"epci": E1}, "rolling12")
    assert question.at("2024-12-31").snapshot == "2024-12-31"
    assert question.at("2024-12-31").by == ("epci",)
    with pytest.raises(TypeError, match="bye"):
        Question.of("taux_vacance", bye=["epci"])  # type: ignore[call-arg]


def test_the_keyword_form_and_the_question_give_the_same_table(tiny_engine):
    catalogue = load_catalogue()
    by_keywords = evaluate(tiny_engine, "taux_vacance", ALL, by=["epci"], period="rolling12")
    by_question = answer(tiny_engine, catalogue, Question("taux_vacance", by=("epci",)), ALL)
    assert by_keywords.equals(by_question)
    assert list(by_keywords["numerateur"]) == [2, 0]  # tests/test_indicators.py: 2 of 8, 0 of 2
    request = make_request(catalogue, tiny_engine, "taux_vacance", ALL, by=["epci"])
    assert request.by == ("epci",)
    assert request.snapshot == tiny_engine.snapshots[-1]


def test_an_unknown_keyword_is_still_a_type_error(tiny_engine):
    with pytest.raises(TypeError, match="bye"):
        evaluate(tiny_engine, "taux_vacance", ALL, bye=["epci"])  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="bye"):
        compare(tiny_engine, "taux_vacance", ALL, bye=["epci"])  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="snapshot"):
        series(tiny_engine, "taux_vacance", ALL, snapshot="2024-12-31")  # type: ignore[call-arg]
