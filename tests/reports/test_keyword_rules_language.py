"""The keyword-rule language on its own: truth tables, phrases, proximity, wildcards, accents
and the error messages (with positions) a user sees in the drawer."""

import pytest

from reports.keyword_rules import MAX_DEPTH, MAX_LENGTH, Document, QueryError, parse

TITLE = "Tesla recalls Model 3 after brake complaints"
TEXT = (
    "The électric car maker Tesla said a big recall of 300,000 cars was under way. "
    "Tesla's shares fell 4% on Nasdaq. Rivals such as BYD and Volkswagen were unaffected."
)
ARTICLE = Document.from_article(TITLE, TEXT)


def matches(expression: str, document: Document = ARTICLE) -> bool:
    return parse(expression).matches(document)


def doc(text: str) -> Document:
    return Document.from_article("", text)


@pytest.mark.parametrize(
    ("a", "b", "and_", "or_", "a_not_b"),
    [
        ("present", "present", True, True, False),
        ("present", "absent", False, True, True),
        ("absent", "present", False, True, False),
        ("absent", "absent", False, False, False),
    ],
)
def test_and_or_not_follow_their_truth_tables(
    a: str, b: str, and_: bool, or_: bool, a_not_b: bool
) -> None:
    words = {"present": ("tesla", "recall"), "absent": ("ford", "toyota")}
    left, right = words[a][0], words[b][1]
    assert matches(f"{left} AND {right}") is and_
    assert matches(f"{left} OR {right}") is or_
    assert matches(f"{left} AND NOT {right}") is a_not_b
    assert matches(f"{left} {right}") is and_  # Bare adjacency is AND.
    assert matches(f"{left} -{right}") is a_not_b  # -word is NOT, as in web search.


def test_or_binds_looser_than_and() -> None:
    assert matches("ford AND toyota OR tesla")  # (ford AND toyota) OR tesla
    assert not matches("ford AND (toyota OR tesla)")


def test_not_alone_matches_articles_without_the_word() -> None:
    assert matches("NOT ford")
    assert not matches("NOT tesla")
    assert matches("NOT NOT tesla")


def test_matching_ignores_case_and_accents_in_both_directions() -> None:
    assert matches("ELECTRIC")  # "électric" in the text
    assert matches("volkswägen")
    assert matches("Citroën", doc("citroen and CITROËN"))


def test_matching_is_on_whole_words_only() -> None:
    assert not matches("tes")
    assert not matches("volks")
    assert matches("tesla", doc("Tesla's shares"))  # A possessive is still the word.


def test_a_trailing_star_matches_word_prefixes() -> None:
    assert matches("volks*")
    assert matches("electri*")
    assert not matches("renaul*")


def test_phrases_need_the_words_together_and_in_order() -> None:
    assert matches('"car maker"')
    assert not matches('"maker car"')
    assert not matches('"tesla recall"')  # Two words apart in the text.
    assert matches('"model 3"')


def test_a_phrase_never_joins_the_title_to_the_text() -> None:
    document = Document.from_article("News about Acme", "Corp shares rose")
    assert not matches('"acme corp"', document)
    assert matches('"acme corp"', doc("News about Acme Corp"))


def test_words_with_punctuation_are_phrases_of_their_parts() -> None:
    assert matches("300,000")
    assert matches("e-bike", doc("The new E-Bike range"))
    assert not matches("e-bike", doc("The bike from E corp"))


def test_near_finds_words_within_n_words_in_either_order() -> None:
    # "Tesla said a big recall": three words between Tesla and recall.
    assert matches("tesla NEAR/3 recall")
    assert not matches("tesla NEAR/2 recall")
    assert matches("recall NEAR/3 tesla")


def test_near_works_with_phrases_wildcards_and_or_groups() -> None:
    assert matches('"car maker" NEAR/1 tesla')
    assert matches("recal* NEAR/3 (ford OR tesla)")
    assert not matches("recal* NEAR/3 (ford OR bmw)")
    # Nine words between "recall" and "shares" (300,000 is two).
    assert matches("tesla NEAR/3 recall NEAR/9 shares")
    assert not matches("tesla NEAR/3 recall NEAR/8 shares")


def test_near_does_not_reach_from_the_title_into_the_text() -> None:
    document = Document.from_article("Acme news", "Recall announced")
    assert not matches("acme NEAR/5 recall", document)


@pytest.mark.parametrize(
    ("expression", "message", "position"),
    [
        ("(tesla OR ford", "This parenthesis is never closed", 1),
        ("tesla) OR ford", "This ) closes no parenthesis", 6),
        ("tesla AND", "AND needs a term after it", 7),
        ("tesla OR", "OR needs a term after it", 7),
        ("AND tesla", "AND needs a term before it", 1),
        ("tesla OR OR ford", "OR needs a term after it", 7),
        ("tesla NEAR recall", "NEAR needs a distance in words, e.g. NEAR/5", 7),
        ("tesla NEAR/x recall", "NEAR/x needs a distance in words, e.g. NEAR/5", 7),
        ("tesla NEAR/0 recall", "The NEAR distance must be between 1 and 100", 7),
        ("tesla NEAR/5", "NEAR/5 needs a term after it", 7),
        ("(tesla AND ford) NEAR/5 recall", "NEAR joins words, phrases or (a OR b) groups", 1),
        ('tesla ""', "This phrase is empty", 7),
        ('tesla "recall', "This quote is never closed", 7),
        ("tesla ()", "These parentheses are empty", 7),
        ("tesla NOT", "NOT needs a term after it", 7),
        ("te*la", "A * wildcard can only end a word", 3),
        ("t*", "A wildcard needs at least 2 letters before the *", 1),
        ("tesla &", "“&” has no letters or digits to match", 7),
        ("   ", "The expression is empty", 1),
    ],
)
def test_a_malformed_expression_says_what_is_wrong_and_where(
    expression: str, message: str, position: int
) -> None:
    with pytest.raises(QueryError) as caught:
        parse(expression)
    assert caught.value.message.startswith(message)
    assert caught.value.position == position
    assert f"(position {position})" in str(caught.value)


def test_an_over_long_expression_is_refused() -> None:
    parse("tesla OR " * 220 + "ford")  # 1,984 characters: fine.
    with pytest.raises(QueryError, match=f"longer than {MAX_LENGTH:,} characters"):
        parse("tesla OR " * 230 + "ford")


def test_too_deep_nesting_is_refused_before_python_runs_out_of_stack() -> None:
    parse("(" * MAX_DEPTH + "tesla" + ")" * MAX_DEPTH)
    with pytest.raises(QueryError, match="nests deeper than") as caught:
        parse("(" * (MAX_DEPTH + 1) + "tesla" + ")" * (MAX_DEPTH + 1))
    assert caught.value.position == MAX_DEPTH + 1
    with pytest.raises(QueryError, match="nests deeper than"):
        parse("NOT " * 100 + "tesla")


def test_lower_case_and_or_not_are_ordinary_words() -> None:
    assert not matches("tesla or ford")  # Three words, all required; "or" and "ford" are absent.
    assert matches("shares and fell", doc("shares and fell"))


def test_only_accents_are_folded_not_the_signs_of_other_scripts() -> None:
    from reports.keyword_rules.matcher import fold

    assert fold("Citroën ÉLAN") == "citroen elan"
    # The virama in Hindi "सत्य" (truth) is a combining mark but part of the spelling.
    assert fold("सत्य") == "सत्य"
    assert matches("सत्य", doc("यह सत्य है"))


def test_near_measures_from_the_end_of_a_long_phrase_before_the_other_word() -> None:
    long_phrase = " ".join(f"w{n}" for n in range(80))
    document = doc(f"{long_phrase} then tesla")

    assert matches(f'tesla NEAR/1 "{long_phrase}"', document)
    assert not matches(f'tesla NEAR/1 "{long_phrase}"', doc(f"{long_phrase} and then tesla"))
