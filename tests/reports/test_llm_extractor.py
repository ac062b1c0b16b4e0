"""The LLM extractor against a local OpenAI-compatible server."""

import time

import openai
import pytest
from django.test import override_settings

from reports.extractors.base import ExtractionContext
from reports.extractors.llm import (
    PROMPT_VERSION,
    InvalidModelOutput,
    LLMExtractor,
    cut_to_budget,
    estimate_tokens,
    make_client,
)
from resilience import PermanentFailure, RetryPolicy, TemporaryFailure
from tests.harness.dribble_server import HeaderDribbleServer
from tests.reports.analysis_data import ARTICLE_TEXT, brand, llm_answer
from tests.reports.fake_knowledge import Entry, FakeKnowledge

CONTEXT = ExtractionContext(industries=("Fashion & Apparel", "Retail & E-commerce"))
NO_WAIT = RetryPolicy(max_attempts=3, max_elapsed=30, initial_wait=0.01, max_wait=0.01)


def extractor() -> LLMExtractor:
    return LLMExtractor(client=make_client(), policy=NO_WAIT, sleep=lambda _s: None)


def extract(text: str = ARTICLE_TEXT):
    return extractor().extract(text=text, title="Results", language="en", context=CONTEXT)


def test_a_structured_answer_becomes_findings_with_offsets(openai_server):
    openai_server.reply_json(
        llm_answer(brand("Nike", "Nike reported record sales in Europe on Tuesday")),
        prompt_tokens=900,
        completion_tokens=120,
    )

    result = extract()

    [finding] = result.brands
    assert finding.name == "Nike"
    assert ARTICLE_TEXT[finding.start : finding.end].startswith("Nike reported record sales")
    assert (result.tokens_in, result.tokens_out) == (900, 120)
    assert result.prompt_version == PROMPT_VERSION
    assert result.extractor == "llm" and result.summary == "Nike sales rose."
    request = openai_server.requests[0]
    assert request["response_format"]["type"] == "json_schema"
    assert "Fashion & Apparel" in request["messages"][0]["content"]


def test_brands_whose_evidence_is_not_in_the_text_are_dropped_as_invented(openai_server):
    openai_server.reply_json(
        llm_answer(
            brand("Nike", "Nike  reported record sales in Europe"),  # Extra space: tolerated.
            brand("Puma", "Puma announced a new factory in Vietnam."),  # Not in the article.
            brand("Reebok", "Analysts said Adidas is struggling to keep up"),  # Quote lacks it.
        )
    )

    result = extract()

    assert [f.name for f in result.brands] == ["Nike"]
    assert result.invented_dropped == 2


def test_an_answer_that_is_not_json_gets_one_repair_attempt(openai_server):
    openai_server.reply_text("Sure! Here are the brands: Nike.")
    openai_server.reply_json(llm_answer(brand("Nike", "Nike reported record sales")))

    result = extract()

    assert [f.name for f in result.brands] == ["Nike"]
    assert len(openai_server.requests) == 2
    repair = openai_server.requests[1]["messages"][-1]["content"]
    assert "unusable" in repair


def test_missing_fields_twice_give_up_with_a_clear_error(openai_server):
    openai_server.reply_json({"summary": "no brands key"})
    openai_server.reply_json({"brands": [{"name": "Nike"}]})

    with pytest.raises(InvalidModelOutput, match="did not match the schema"):
        extract()

    assert len(openai_server.requests) == 2


def test_a_truncated_answer_is_repaired(openai_server):
    openai_server.reply_text('{"summary": "Nike', finish_reason="length")
    openai_server.reply_json(llm_answer())

    result = extract()

    assert result.brands == []
    assert len(openai_server.requests) == 2


def test_a_rate_limit_is_retried_honouring_retry_after(openai_server):
    waits: list[float] = []
    openai_server.rate_limited(retry_after=2)
    openai_server.reply_json(llm_answer(brand("Nike", "Nike reported record sales")))
    llm = LLMExtractor(client=make_client(), policy=NO_WAIT, sleep=waits.append)

    result = llm.extract(text=ARTICLE_TEXT, title="", language="en", context=CONTEXT)

    assert [f.name for f in result.brands] == ["Nike"]
    assert waits == [2.0]


def test_server_errors_are_retried_then_reported_as_temporary(openai_server):
    for _ in range(3):
        openai_server.server_error(500)

    with pytest.raises(TemporaryFailure):
        extract()

    assert len(openai_server.requests) == 3  # NO_WAIT allows three attempts, no more.


def test_an_authentication_error_is_not_retried(openai_server):
    openai_server.status(401, message="Incorrect API key provided")

    with pytest.raises(PermanentFailure):
        extract()

    assert len(openai_server.requests) == 1


@override_settings(LLM_TIMEOUT=1)
def test_a_slow_server_times_out_and_is_retried(openai_server):
    openai_server.slow(3)
    openai_server.reply_json(llm_answer())

    result = extract()

    assert result.brands == []
    assert len(openai_server.requests) == 2


def test_a_server_dribbling_its_headers_is_cut_off_at_llm_timeout(settings):
    # httpx restarts its read timeout on every byte; the LLM client needs a wall-clock
    # deadline of LLM_TIMEOUT over connect, status line, headers and body.
    with HeaderDribbleServer(byte_delay=1.0, max_bytes=12) as server:
        settings.OPENAI_BASE_URL = server.url_for("/v1")
        settings.LLM_TIMEOUT = 2
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            make_client().chat.completions.create(
                model="m", messages=[{"role": "user", "content": "hi"}]
            )
        elapsed = time.monotonic() - started

    assert 1.9 <= elapsed < 2.6
    assert server.connections == 1  # the client itself does not retry (max_retries=0)


def test_a_long_text_is_cut_at_paragraph_boundaries_within_the_budget():
    paragraphs = [f"Paragraph {n} " + "word " * 200 for n in range(1000)]  # ~200k words
    text = "\n\n".join(paragraphs)

    cut = cut_to_budget(text, 6000)

    assert estimate_tokens(cut) <= 6000
    assert cut.endswith("word ")  # Whole paragraphs only.
    assert cut.count("\n\n") + 1 == len(cut.split("\n\n"))
    assert cut.startswith("Paragraph 0 ")


def test_the_cut_text_is_what_is_sent(openai_server, settings):
    settings.LLM_INPUT_TOKEN_BUDGET = 300
    text = "\n\n".join(f"Paragraph {n}. " + "news " * 100 for n in range(20))
    openai_server.reply_json(llm_answer())

    extract(text)

    sent = openai_server.requests[0]["messages"][1]["content"]
    assert "Paragraph 0." in sent and "Paragraph 5." not in sent


LLM_TEXT = (
    "Coca Cola sales rose in Mexico. Exclusives on PlayStation/Xbox cost more. "
    "Pay Pal fees went up. Facebook said ads grew. Google said search grew."
)


def kept_and_dropped(
    *named: tuple[str, str], context: ExtractionContext = CONTEXT, title: str = ""
):
    answer = llm_answer(*(brand(name, quote) for name, quote in named))
    result = LLMExtractor(client=object(), model="m").to_result(  # type: ignore[arg-type]
        answer, text=LLM_TEXT, language="en", context=context, tokens=(0, 0), title=title
    )
    return [(f.name, f.surface) for f in result.brands], result.invented_dropped


def test_a_quote_from_the_headline_keeps_a_brand_only_the_headline_names() -> None:
    headline = "Grupa  Lotos names a new chief"  # spaces as a feed may leave them
    named = (
        ("Grupa Lotos", "Grupa Lotos names a new chief"),
        ("Orlen", "Grupa Lotos names a new chief"),  # the headline does not name it
        ("Tesla", "Tesla names a new chief"),  # in neither the headline nor the text
    )

    assert kept_and_dropped(*named, title=headline) == ([("Grupa Lotos", "Grupa Lotos")], 2)
    # Without the headline (an answer read back with no title) the quote is found nowhere.
    assert kept_and_dropped(*named) == ([], 3)


def test_a_quote_writing_the_brand_in_another_known_form_keeps_it() -> None:
    kept, dropped = kept_and_dropped(
        ("The Coca-Cola Company", "Coca Cola sales rose in Mexico."),
        ("Xbox", "Exclusives on PlayStation/Xbox cost more."),
        ("PayPal", "Pay Pal fees went up."),
    )

    assert kept == [
        ("The Coca-Cola Company", "Coca Cola"),
        ("Xbox", "Xbox"),
        ("PayPal", "Pay Pal"),
    ]
    assert dropped == 0


def test_a_tracked_alias_or_a_knowledge_base_name_in_the_quote_keeps_the_brand() -> None:
    from reports.extractors.base import KnownBrand

    context = ExtractionContext(
        known_brands=(KnownBrand(brand_id=3, name="Meta", aliases=("Facebook",)),),
        knowledge=FakeKnowledge({"Alphabet": Entry("Alphabet", "Q20800404", aliases=("Google",))}),
    )
    kept, dropped = kept_and_dropped(
        ("Meta", "Facebook said ads grew."),
        ("Alphabet", "Google said search grew."),
        context=context,
    )

    assert kept == [("Meta", "Facebook"), ("Alphabet", "Google")]
    assert dropped == 0


def test_a_brand_no_form_of_which_is_in_its_quote_is_still_dropped_as_invented() -> None:
    kept, dropped = kept_and_dropped(
        ("Pepsi", "Coca Cola sales rose in Mexico."),  # A real quote naming another brand.
        ("Globex", "Globex announced a partnership."),  # Not in the article.
        ("Cola", "Pay Pal fees went up."),  # A fragment of a real brand, in the wrong quote.
    )

    assert kept == []
    assert dropped == 3
