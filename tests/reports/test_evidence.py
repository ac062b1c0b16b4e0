"""Evidence quotes: found in the article despite a model's small copying differences, with
offsets into the original text; and the sentence around a mention."""

from reports.evidence import (
    MAX_EVIDENCE_CHARS,
    first_sentences,
    is_sentence_start,
    locate_evidence,
    sentence_around,
    sentences,
)

TEXT = (
    "Shell said on Thursday that profits fell.\n\n"
    "“We\u2019re focused on fewer, bigger projects,” said finance chief Helen Armitage — "
    "the company\u2019s second warning this year.   Shares rose."
)


def quote(span: tuple[int, int] | None) -> str:
    assert span is not None
    return TEXT[span[0] : span[1]]


def test_an_exact_quote_is_found_where_it_is() -> None:
    span = locate_evidence(TEXT, "Shell said on Thursday")
    assert span == (0, len("Shell said on Thursday"))


def test_straight_quotes_and_apostrophes_match_curly_ones() -> None:
    span = locate_evidence(TEXT, '"We\'re focused on fewer, bigger projects," said')
    assert quote(span) == "“We\u2019re focused on fewer, bigger projects,” said"


def test_a_hyphen_matches_a_dash_and_the_offsets_cover_the_original_characters() -> None:
    span = locate_evidence(TEXT, "Helen Armitage - the company's second warning")
    assert quote(span) == "Helen Armitage — the company\u2019s second warning"


def test_whitespace_differences_do_not_matter() -> None:
    span = locate_evidence(TEXT, "profits fell. “We\u2019re   focused")
    assert quote(span) == "profits fell.\n\n“We\u2019re focused"
    span = locate_evidence(TEXT, "this year. Shares rose.")
    assert quote(span) == "this year.   Shares rose."


def test_case_differences_are_forgiven_only_as_a_fallback() -> None:
    assert quote(locate_evidence(TEXT, "SHELL SAID ON THURSDAY")) == "Shell said on Thursday"


def test_quote_marks_the_model_wrapped_around_the_evidence_are_ignored() -> None:
    assert quote(locate_evidence(TEXT, '"Shares rose."')) == "Shares rose."


def test_an_elided_quote_matches_when_its_pieces_occur_in_order() -> None:
    span = locate_evidence(TEXT, "Shell said on Thursday ... profits fell")
    assert quote(span) == "Shell said on Thursday that profits fell"
    assert locate_evidence(TEXT, "profits fell ... Shell said on Thursday") is None


def test_an_invented_quote_is_not_found() -> None:
    assert locate_evidence(TEXT, "Shell said profits rose") is None
    assert locate_evidence(TEXT, "") is None
    assert locate_evidence(TEXT, "   ") is None
    assert locate_evidence("", "Shell") is None


def test_the_sentence_around_a_mention_is_the_whole_sentence() -> None:
    text = "Apple growers are worried. Target said on Wednesday that sales rose. Next year?"
    start = text.index("Target")
    left, right = sentence_around(text, start, start + len("Target"))
    assert text[left:right] == "Target said on Wednesday that sales rose."


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = (
        "Dr. Martens warned on Thursday. "
        "Mr. Lauren and J. Smith met Gap Inc. bosses in the U.S. today."
    )
    start = text.index("Gap")
    left, right = sentence_around(text, start, start + 3)
    assert text[left:right] == "Mr. Lauren and J. Smith met Gap Inc. bosses in the U.S. today."
    start = text.index("Martens")
    assert (
        text[slice(*sentence_around(text, start, start + 7))] == "Dr. Martens warned on Thursday."
    )


def test_a_brand_ending_in_a_capital_letter_can_end_a_sentence() -> None:
    text = "Shoppers mentioned Zara, followed by H&M. Ralph Lauren had a good year."
    start = text.index("Ralph")
    assert text[slice(*sentence_around(text, start, start + 12))] == (
        "Ralph Lauren had a good year."
    )


def test_a_closing_quote_stays_with_its_own_sentence() -> None:
    text = 'He said "we are fine." Gap said nothing.'
    start = text.index("Gap")
    assert text[slice(*sentence_around(text, start, start + 3))] == "Gap said nothing."


def test_evidence_from_a_very_long_sentence_is_capped_and_keeps_the_mention() -> None:
    text = "Intro. " + "word " * 200 + "Globex Corporation " + "word " * 200 + "end."
    start = text.index("Globex")
    left, right = sentence_around(text, start, start + 18)
    assert right - left <= MAX_EVIDENCE_CHARS
    assert left <= start and start + 18 <= right
    assert text[left] != " " and text[right - 1] != " "


def test_sentence_starts_are_seen_after_quotes_and_line_breaks() -> None:
    text = 'It rained. "Boots on the ground," he said.\nApple growers met. In Apple stores'
    assert is_sentence_start(text, text.index("Boots"))
    assert is_sentence_start(text, text.index("Apple growers"))
    assert not is_sentence_start(text, text.index("Apple stores"))
    assert is_sentence_start(text, 0)


def test_sentences_cover_the_text_in_order() -> None:
    text = "One. Two! Three?\nFour"
    assert [text[a:b] for a, b in sentences(text)] == ["One.", "Two!", "Three?", "Four"]
    assert list(sentences("")) == []
    assert list(sentences("   ")) == []


def test_the_first_sentences_make_a_short_summary() -> None:
    text = "Samsung posted results.  Profits\tsoared. A third sentence follows."
    assert first_sentences(text, 2) == "Samsung posted results. Profits soared."
    assert first_sentences("word " * 400, 2, max_chars=50).endswith("\u2026")
    assert len(first_sentences("word " * 400, 2, max_chars=50)) <= 50
    assert first_sentences("") == ""
