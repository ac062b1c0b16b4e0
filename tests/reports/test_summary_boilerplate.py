"""The rules path's summary is the story's first sentences, not the page furniture around it."""

import pytest

from reports.boilerplate import is_boilerplate
from reports.evidence import first_sentences
from reports.extractors.base import ExtractionContext
from reports.extractors.rules import RulesExtractor

STORY = (
    "Acme opened its first store in Lisbon on Monday. "
    "The shop sells the brand's headphones and speakers."
)


@pytest.mark.parametrize(
    "furniture",
    [
        "This article contains affiliate links.",
        "We may earn a commission when you buy through links on our site.",
        "As an Amazon Associate I earn from qualifying purchases.",
        "Disclosure: the author owns shares in none of the companies mentioned.",
        "We use cookies to give you the best experience on our website.",
        "By continuing to browse you agree to our cookie policy.",
        "Sign up for our newsletter to get the day's top stories.",
        "Subscribe now for unlimited digital access to every story.",
        "Already a subscriber? Log in to continue reading.",
        "Click 'OK' then 'Allow' to enable notifications",
        "By Jane Doe, Staff Writer",
        "Published",
        "Updated 10:32 AM EST, Tue December 6, 2026",
        "08.04.2015 12:46",
        "Photo: Jane Doe / Getty Images",
        "The new store in Lisbon (Photo by Jane Doe/Reuters)",
        "Advertisement",
    ],
)
def test_page_furniture_is_left_out_of_the_summary(furniture: str) -> None:
    assert is_boilerplate(furniture)
    text = f"{furniture}\n{STORY}"
    assert first_sentences(text, 2) == STORY


def test_sentences_of_a_story_about_newsletters_and_privacy_are_kept() -> None:
    story = [
        "Substack's paid newsletters now have two million subscribers.",
        "Meta changed the privacy policy of WhatsApp in January.",
        "Google delayed the end of third-party cookies in Chrome again.",
        "Police said the suspect was arrested by officers on Friday night.",
        "トレンドマイクロは3月9日、セキュリティアプリの発売を開始すると発表した。",
    ]
    for sentence in story:
        assert not is_boilerplate(sentence), sentence


def test_the_rules_summary_skips_a_disclosure_byline_and_cookie_prompt() -> None:
    text = (
        "By Jane Doe\n"
        "This post may contain affiliate links.\n"
        "We use cookies to improve your experience.\n"
        f"{STORY}\n"
        "Sign up for our daily newsletter."
    )
    result = RulesExtractor().extract(
        text=text, title="Acme opens in Lisbon", language="en", context=ExtractionContext()
    )
    assert result.summary == STORY


def test_a_page_of_nothing_but_furniture_is_summarised_by_its_title() -> None:
    text = "Advertisement\nWe use cookies to improve your experience.\nSubscribe now."
    result = RulesExtractor().extract(
        text=text, title="Acme opens in Lisbon", language="en", context=ExtractionContext()
    )
    assert result.summary == "Acme opens in Lisbon"


def test_a_heading_line_gets_a_full_stop_instead_of_running_into_the_next_sentence() -> None:
    text = "Acme opens in Lisbon\nThe shop sells headphones.\nMore follows."
    assert first_sentences(text, 2) == "Acme opens in Lisbon. The shop sells headphones."
