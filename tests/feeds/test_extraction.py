"""feeds.extraction: article text and metadata from fetched pages, and content hashes."""

import dataclasses
import logging
import signal
import socket
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trafilatura

from feeds import extraction
from feeds.extraction import (
    EXTRACTOR_VERSION,
    ExtractedArticle,
    content_hash,
    decode_html,
    extract_article,
    normalize_text,
    words,
)

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
URL = "https://news.example/business/story"


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def extract(name: str) -> ExtractedArticle:
    article = extract_article(page(name), url=URL)
    assert article is not None
    return article


def test_it_extracts_the_body_without_the_boilerplate_around_it() -> None:
    text = extract("news_article.html").text

    assert text.startswith("Northwind Coffee, the Seattle-based chain")
    assert "twelve Northwind cafés that the company plans to open" in text
    assert text.endswith("The first report is due in early 2026.")
    for boilerplate in (
        "We use cookies to improve your experience",  # cookie banner
        "Accept all cookies",
        "Technology",  # navigation
        "morning briefing delivered to your inbox",  # header promo
        "Ten tips for a better night",  # sidebar
        "Save 20% on your first year",  # advertisement
        "Share on Facebook",
        "All rights reserved",  # footer
        "registered in England and Wales",
    ):
        assert boilerplate not in text


def test_paragraphs_are_separated_by_blank_lines_and_the_title_is_not_repeated() -> None:
    article = extract("news_article.html")

    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == 9
    assert all(p.strip() == p and p and "\n" not in p for p in paragraphs)
    assert article.title not in article.text


def test_it_reads_title_author_date_and_language_from_the_page() -> None:
    article = extract("news_article.html")

    assert article.title == "Northwind Coffee opens its first European roastery in Lisbon"
    assert article.author == "Maria Jensen"
    # article:published_time 09:30+01:00, not the later article:modified_time.
    assert article.published == datetime(2025, 3, 14, 8, 30, tzinfo=UTC)
    assert article.published.utcoffset().total_seconds() == 0
    assert article.language == "en"  # from lang="en-GB"
    assert article.word_count == len(article.text.split())
    assert 350 < article.word_count < 500


def test_the_publication_time_can_come_from_json_ld() -> None:
    article = extract("scripts_in_body.html")

    assert article.author == "Sam Whitaker"
    assert article.published == datetime(2025, 3, 20, 20, 45, tzinfo=UTC)


def test_a_german_page_is_detected_as_german() -> None:
    article = extract("german_article.html")

    assert article.language == "de"
    assert article.title == "Bäckereikette Sonnenkorn eröffnet zwölf Filialen in Leipzig"
    assert article.author == "Jonas Weber"
    assert "Die Dresdner Bäckereikette Sonnenkorn will bis zum Jahresende" in article.text
    assert "Wir verwenden Cookies" not in article.text
    assert "Alle Rechte vorbehalten" not in article.text


def test_a_confident_detection_overrides_a_template_lang_attribute() -> None:
    # CMS themes often hardcode lang="en-US" whatever the article's language.
    html = page("german_article.html").replace(b'<html lang="de">', b'<html lang="en-US">')

    article = extract_article(html, url=URL)

    assert article is not None
    assert article.language == "de"


def test_the_language_is_detected_when_the_page_declares_none() -> None:
    assert b"lang=" not in page("latin1_article.html")

    assert extract("latin1_article.html").language == "fr"


def test_the_language_stays_unknown_when_detection_is_unsure() -> None:
    numbers = " ".join(str(n * 37) for n in range(40))
    html = f"<html><body><article><p>{numbers}</p></article></body></html>"

    article = extract_article(html, url=URL)

    assert article is not None
    assert article.language == ""


def test_an_iso_8859_1_page_is_decoded_with_its_declared_charset() -> None:
    raw = page("latin1_article.html")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is Latin-1

    article = extract("latin1_article.html")

    assert article.title == "La chocolaterie Maison Bérard ouvre une boutique à Genève"
    assert article.author == "Hélène Dubois"
    assert "« Genève est une ville où l'on sait reconnaître la qualité" in article.text
    assert "\ufffd" not in article.text
    assert article.published == datetime(2025, 1, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "encoding", "expected"),
    [
        # Charset from the HTTP Content-Type header, when the page declares none.
        ("Привет, мир".encode("cp1251"), "windows-1251", "Привет, мир"),
        # A stale legacy declaration on a page that is really UTF-8: UTF-8 wins.
        ('<meta charset="iso-8859-1">Café “Zürich”'.encode(), None, "Café “Zürich”"),
        # Latin-1 labels mean windows-1252, as in browsers: 0x93/0x94 are curly quotes.
        (b"<meta charset=latin1>\x93caf\xe9\x94", None, "“café”"),
        # Declared UTF-8 with a broken byte: replaced, not fatal.
        (b'<meta charset="utf-8">caf\xe9', None, "caf\ufffd"),
        # A bytes-to-bytes codec as "charset" must not be used (nor crash).
        (b'<meta charset="base64">caf\xe9', None, "café"),
        # Undeclared and not UTF-8: windows-1252.
        (b"na\xefve caf\xe9", None, "naïve café"),
        (b"\xef\xbb\xbfBOM caf\xc3\xa9", None, "BOM café"),
    ],
)
def test_decode_html_follows_bom_utf8_http_meta_then_windows_1252(
    raw: bytes, encoding: str | None, expected: str
) -> None:
    assert decode_html(raw, encoding=encoding).endswith(expected)


def test_a_paywall_teaser_gives_none_so_callers_use_the_feed_summary() -> None:
    assert extract_article(page("paywall_teaser.html"), url=URL) is None


@pytest.mark.parametrize(
    "html", [b"", "   ", b"\x00\x01\x02binary", "not html at all", b"\x1f\x8b\x08broken gzip"]
)
def test_empty_or_broken_input_gives_none(html: bytes | str) -> None:
    assert extract_article(html, url=URL) is None


def test_scripts_styles_and_event_handlers_never_leak_into_the_text() -> None:
    article = extract("scripts_in_body.html")

    assert "The company has struggled to win over city-centre customers" in article.text
    assert "Harbor Beans did not disclose its Portuguese revenue" in article.text
    for leaked in (
        "TRACKING_PIXEL_INJECTED_TEXT",
        "INLINE_AD_SCRIPT_TEXT",
        "NOSCRIPT_PIXEL_TEXT",
        "STYLE_BLOCK_TEXT",
        "COMMENTS_WIDGET_SCRIPT_TEXT",
        "onclick",
        "trackClick",
        "initTracking",
        "dataLayer",
        "loadAd",
        "document.write",
        "{",
    ):
        assert leaked not in article.text
        assert leaked not in article.title


def test_extracting_the_same_page_again_and_again_gives_the_same_article() -> None:
    # trafilatura's deduplicate=True alone keeps a process-wide cache: the 7th extraction
    # of one page returned None. Ours is scoped to the page.
    first = extract("news_article.html")

    assert all(extract("news_article.html") == first for _ in range(10))


def test_a_syndicated_copy_keeps_the_paragraphs_it_shares_with_the_original() -> None:
    for _ in range(4):
        extract("news_article.html")

    text = extract("news_article_syndicated.html").text

    assert "The roastery, housed in a restored nineteenth-century warehouse" in text
    assert "The first report is due in early 2026." in text


def test_it_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("extraction tried to reach the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)

    assert extract_article(page("news_article.html"), url="https://news.example/a") is not None


def test_it_runs_in_worker_threads_without_alarm_signals(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("extraction armed a signal-based timeout")

    monkeypatch.setattr(signal, "signal", refuse)
    monkeypatch.setattr(signal, "alarm", refuse)
    monkeypatch.setattr(signal, "setitimer", refuse)

    with ThreadPoolExecutor(max_workers=2) as pool:
        names = ["news_article.html", "german_article.html"] * 2
        results = list(pool.map(extract, names))

    assert [r.language for r in results] == ["en", "de", "en", "de"]
    assert threading.current_thread() is threading.main_thread()


def test_trafilatura_caches_are_reset_every_n_extractions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resets: list[None] = []
    monkeypatch.setattr(extraction, "RESET_CACHES_EVERY", 3)
    monkeypatch.setattr(trafilatura.meta, "reset_caches", lambda: resets.append(None))

    for _ in range(6):
        extract_article(page("paywall_teaser.html"), url=URL)

    assert len(resets) == 2


def test_the_result_is_immutable_and_the_version_names_trafilatura() -> None:
    article = extract("news_article.html")

    with pytest.raises(dataclasses.FrozenInstanceError):
        article.text = "changed"  # type: ignore[misc]
    assert trafilatura.__version__ in EXTRACTOR_VERSION


def test_words_counts_each_cjk_character_so_asian_articles_are_not_too_short() -> None:
    assert words("Northwind 在东京开店 today") == ["Northwind", *"在东京开店", "today"]


def test_normalize_text_removes_what_varies_between_syndicated_copies() -> None:
    messy = "  “Hello”\u00a0—  World’s\n\n ﬁne\u00adtuned ＣＡＦÉ "  # noqa: RUF001 -- on purpose

    assert normalize_text(messy) == ("hello worlds finetuned café")


@pytest.mark.parametrize(
    "variant",
    [
        "Northwind's CEO said: \"We're opening  twelve cafés\" - in Lisbon.",
        "Northwind’s CEO said: “We’re opening twelve cafés” – in Lisbon.",  # noqa: RUF001
        "  NORTHWIND'S ceo said: \"we're opening\ttwelve cafés\" — in lisbon.\n",
        # No-break space, and "é" as "e" + combining accent (NFKC composes it).
        "Northwind\u2019s CEO said:\u00a0\u201cWe\u2019re opening twelve cafe\u0301s\u201d"
        " \u2014 in Lisbon.",
    ],
)
def test_content_hash_ignores_whitespace_case_quotes_and_dashes(variant: str) -> None:
    original = "Northwind's CEO said: \"We're opening twelve cafés\" - in Lisbon."

    assert content_hash(variant) == content_hash(original)


def test_content_hash_differs_for_different_texts_and_is_empty_for_no_text() -> None:
    a = content_hash("Northwind opens twelve cafés in Lisbon.")
    b = content_hash("Northwind opens eleven cafés in Lisbon.")

    assert a != b
    assert len(a) == 64
    assert int(a, 16) >= 0
    assert content_hash("") == content_hash(" \n\t“”") == ""


# Computed with the implementation before normalize_text() used one str.translate table:
# stored content hashes must stay comparable with new ones.
PINNED_NORMALIZED = [
    (
        "Northwind’s CEO said “twelve cafés” would open in Lisbon — soon, at $1.2 billion",  # noqa: RUF001
        "northwinds ceo said twelve cafés would open in lisbon soon, at $1.2 billion",
        "ab70f7a8768f804151a3f4108c3606582c5392fb28314f23f7753b64fc7205d2",
    ),
    (
        "Straße\u00adnbahn \u200bfährt\u200d nach Köln\u2060 – heute\ufeff",  # noqa: RUF001
        "strassenbahn fährt nach köln heute",
        "1306b7608dcf70ab08b3548ce0b348b3958b06be477df927412b31cc92bfe319",
    ),
    (
        "東京で新しい店舗が開店しました。価格は１２００円です",
        "東京で新しい店舗が開店しました。価格は1200円です",
        "93d7a50a524394b8596615055fa396bee84214485286214b194511b102774d68",
    ),
]


@pytest.mark.parametrize("text, normalized, digest", PINNED_NORMALIZED)
def test_normalize_text_and_content_hash_give_the_values_stored_before(
    text: str, normalized: str, digest: str
) -> None:
    assert normalize_text(text) == normalized
    assert content_hash(text) == digest
    assert extraction.normalized_content_hash(normalized) == digest


def test_content_hashes_of_fixture_articles_are_the_values_stored_before() -> None:
    assert content_hash(extract("news_article.html").text) == (
        "1743531a706845bbd56289f0a6ea430a8edb325e273a3a5d61f89e0ebf63a21d"
    )
    assert content_hash(extract("german_article.html").text) == (
        "75e2841ed5e3ad2b1284af8c8eff34521d1fa90f37376b1c7dc93a62420da4d6"
    )


def test_ascii_whitespace_squeeze_is_split_and_join() -> None:
    # normalize_text's ASCII shortcut must give exactly " ".join(text.split()): every ASCII
    # whitespace character (\x1c-\x1f too), runs of it, at the start and at the end.
    import random

    rng = random.Random(13)  # noqa: S311 -- reproducible test data
    pieces = [chr(code) for code in range(128)] + ["word", " ", "  ", "\n\n", "\t"]
    texts = ["".join(rng.choices(pieces, k=rng.randint(0, 80))) for _ in range(3000)]
    for text in [*texts, "", " ", "a", " a ", "a\x1cb", "\x1f", "a \n\n b\r\n"]:
        assert extraction._squeeze_ascii(text) == " ".join(text.split()), repr(text)


def test_normalize_text_drops_every_format_character_and_only_those() -> None:
    # The translate table is built from ASSIGNED_PLANES only: no format character elsewhere.
    everywhere = [c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    assert everywhere == extraction.code_points(lambda ch: unicodedata.category(ch) == "Cf")
    for code in everywhere:
        assert normalize_text(f"ab{chr(code)}cd") == "abcd", hex(code)
    # The category loop it replaces, on characters that are not format characters.
    for code in [*range(0x20, 0x3000, 7), 0x1F600, 0xE0100]:
        char = chr(code)
        expected = unicodedata.normalize("NFKC", f"ab{char}cd").casefold()
        expected = expected.translate(extraction._VARIANT_PUNCT)
        expected = " ".join("".join(c for c in expected if unicodedata.category(c) != "Cf").split())
        assert normalize_text(f"ab{char}cd") == expected, hex(code)


def test_words_splits_text_without_cjk_exactly_as_the_regex_does() -> None:
    text = "Northwind\u00a0opens\u2003twelve\tcafés,\u3000in Lisbon\u2028today\x1c—ok"

    assert words(text) == extraction._WORD.findall(text)
    assert words(text) == ["Northwind", "opens", "twelve", "cafés,", "in", "Lisbon", "today",
                           "—ok"]  # fmt: skip
    assert words("Tokyo 東京 store") == ["Tokyo", "東", "京", "store"]


def test_resetting_the_caches_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    extract("news_article.html")  # fill some caches first

    with caplog.at_level(logging.DEBUG):
        extraction.reset_caches()

    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    # Only that one message is dropped, and only during the reset.
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("htmldate.meta").error("impossible to clear cache for function: x")
    assert [r.getMessage() for r in caplog.records][-1].startswith("impossible to clear")


def test_the_periodic_reset_clears_trafilatura_caches_without_logging_an_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    resets: list[None] = []
    real_reset = trafilatura.meta.reset_caches

    def spy() -> None:
        resets.append(None)
        real_reset()  # the real one, which makes htmldate log its error

    monkeypatch.setattr(trafilatura.meta, "reset_caches", spy)
    monkeypatch.setattr(extraction, "RESET_CACHES_EVERY", 2)
    with caplog.at_level(logging.DEBUG):
        for _ in range(4):
            extract("news_article.html")

    assert len(resets) == 2
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_comparison_table_is_part_of_the_text_but_reader_comments_are_not() -> None:
    # Reviews often name brands only in their comparison table; before tables were extracted
    # "Asus" and "Lenovo" were lost from this page. The Dell of a reader comment stays out.
    article = extract("review_with_table.html")

    assert "Lenovo ThinkPad X1 Carbon" in article.text
    assert "Asus Zenbook 14" in article.text
    assert "Dell" not in article.text
    assert "three weeks" in article.text
