import pytest

from lms.search.query import (
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
    char_bigrams,
    clean_query,
    compose,
    fold,
    load_synonyms,
    plan_query,
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("ＣＯＰＤ", "copd"),
        ("Diabetes", "diabetes"),
        ("２０２６－０４", "2026-04"),
        ("脑卒中", "脑卒中"),
        ("（高血压）", "(高血压)"),
        # Accents go (issue 17): eponyms are typed without them.
        ("Sjögren", "sjogren"),
        ("MÉNIÈRE", "meniere"),
        ("Behçet", "behcet"),
        ("Guillain–Barré", "guillain–barre"),
        ("ß", "ß"),  # folds to two letters: kept, so offsets stay
        # Decomposed accents fold once composed (offsets index the composed text).
        (compose("Me\u0301nie\u0300re"), "meniere"),
        (compose("Behc\u0327et"), "behcet"),
    ],
)
def test_full_width_and_case_fold_together(text, folded):
    assert fold(text) == folded
    assert len(fold(text)) == len(text)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  高血压\t管理 ", "高血压 管理"),
        ("a\x00b\x1fc", "a b c"),
        ("\u202e反转", "反转"),
        (None, ""),
        (123, ""),
        ("x" * 10_000, "x" * MAX_QUERY_CHARS),
        # An accent as a letter and a combining mark (issue 17 attack): composed.
        ("Me\u0301nie\u0300re", "meniere"),
        ("SJO\u0308GREN", "sjogren"),
    ],
)
def test_queries_are_cleaned_and_capped(raw, clean):
    assert clean_query(raw) == clean


@pytest.mark.parametrize(
    ("run", "bigrams"),
    [("脑卒中", ["脑卒", "卒中"]), ("心衰", ["心衰"]), ("药", ["药"]), ("", [])],
)
def test_character_bigrams(run, bigrams):
    assert char_bigrams(run) == bigrams


SYNONYMS = load_synonyms(
    ["# comment", "心衰\t心力衰竭", "COPD\t慢性阻塞性肺疾病", "bad line"]
)


def test_synonyms_work_both_ways_and_fold():
    assert SYNONYMS["心衰"] == {"心力衰竭"}
    assert SYNONYMS["心力衰竭"] == {"心衰"}
    assert SYNONYMS["copd"] == {"慢性阻塞性肺疾病"}


def test_a_plan_needs_every_word_and_accepts_a_synonym_for_each():
    plan = plan_query(["心衰", "diabet", "心衰"], SYNONYMS)
    assert [g.alternatives for g in plan] == [("心衰", "心力衰竭"), ("diabet",)]


@pytest.mark.parametrize("words", [["*"], ["?", '"', "(", ")"], [], ["-"]])
def test_punctuation_alone_plans_nothing(words):
    assert plan_query(words, SYNONYMS) == ()


def test_hundreds_of_words_are_capped():
    words = [f"w{i}" for i in range(500)]
    assert len(plan_query(words, {})) == MAX_QUERY_TERMS
