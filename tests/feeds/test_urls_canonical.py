"""Canonical article URLs, their hashes, and Google News search-feed URLs."""

import hashlib

import pytest

from feeds.urls_canonical import (
    TRACKING_PARAMS,
    build_search_feed_url,
    canonicalize_url,
    url_hash,
)


def test_it_lower_cases_the_scheme_and_host_but_not_the_path() -> None:
    assert canonicalize_url("HTTPS://News.Example.COM/Story/ABC") == (
        "https://news.example.com/Story/ABC"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
    ],
)
def test_it_drops_only_the_default_port_of_the_scheme(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


def test_it_removes_the_fragment() -> None:
    assert canonicalize_url("https://example.com/a?x=1#comments") == "https://example.com/a?x=1"


def test_an_empty_path_becomes_a_slash() -> None:
    assert canonicalize_url("https://example.com") == "https://example.com/"
    assert canonicalize_url("https://example.com?a=1") == "https://example.com/?a=1"


def test_it_removes_any_utm_parameter_in_any_case() -> None:
    url = "https://example.com/a?utm_source=x&UTM_Medium=y&utm_whatever=z&utm_=1"
    assert canonicalize_url(url) == "https://example.com/a"


@pytest.mark.parametrize("param", sorted(TRACKING_PARAMS))
def test_it_removes_each_known_tracking_parameter(param: str) -> None:
    url = f"https://example.com/a?id=7&{param}=abc123&page=2"
    assert canonicalize_url(url) == "https://example.com/a?id=7&page=2"


def test_the_required_tracking_parameters_are_all_known() -> None:
    required = {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt_mc",
        "cmpid",
        "s_cid",
        "ncid",
        "ocid",
        "sr_share",
    }
    assert required <= TRACKING_PARAMS


def test_other_parameters_keep_their_original_order_and_values() -> None:
    url = "https://example.com/s?z=1&a=2&utm_source=feed&m=&flag&q=a+b"
    assert canonicalize_url(url) == "https://example.com/s?z=1&a=2&m=&flag&q=a+b"


def test_parameters_that_merely_contain_a_tracking_name_are_kept() -> None:
    url = "https://example.com/s?my_utm_source=1&fbclid_extra=2&ref=3"
    assert canonicalize_url(url) == url


def test_the_question_mark_goes_when_every_parameter_was_tracking() -> None:
    assert canonicalize_url("https://example.com/a?fbclid=1&gclid=2") == "https://example.com/a"


def test_international_host_names_are_idna_encoded() -> None:
    assert canonicalize_url("https://Bücher.example/straße") == (
        "https://xn--bcher-kva.example/stra%C3%9Fe"
    )


def test_a_trailing_dot_on_the_host_is_dropped() -> None:
    assert canonicalize_url("https://example.com./a") == "https://example.com/a"


def test_ipv6_hosts_keep_their_brackets() -> None:
    assert canonicalize_url("http://[2001:DB8::1]:8080/a") == "http://[2001:db8::1]:8080/a"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # Unreserved characters are decoded; other escapes get upper-case hex.
        ("https://example.com/%7euser/%61bc", "https://example.com/~user/abc"),
        ("https://example.com/a%2fb?q=%3d%e2%82%ac", "https://example.com/a%2Fb?q=%3D%E2%82%AC"),
        # Characters that must be escaped are, once; existing escapes are not escaped again.
        ("https://example.com/a b/é", "https://example.com/a%20b/%C3%A9"),
        ("https://example.com/a%20b/%C3%A9", "https://example.com/a%20b/%C3%A9"),
        ("https://example.com/100%/x", "https://example.com/100%25/x"),
        (
            "https://example.com/?q=caf%C3%A9 au lait",
            "https://example.com/?q=caf%C3%A9%20au%20lait",
        ),
    ],
)
def test_percent_encoding_is_normalised_without_double_encoding(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


def test_dot_segments_are_removed() -> None:
    assert canonicalize_url("https://example.com/a/./b/../c/") == "https://example.com/a/c/"
    assert canonicalize_url("https://example.com/../../a") == "https://example.com/a"


def test_http_and_https_stay_distinct() -> None:
    assert canonicalize_url("http://example.com/a") == "http://example.com/a"
    assert canonicalize_url("https://example.com/a") == "https://example.com/a"


def test_links_that_differ_only_in_tracking_and_form_share_one_canonical_url() -> None:
    variants = [
        "https://News.Example.com:443/2024/story?id=5&utm_source=rss#top",
        "https://news.example.com/2024/story?id=5&fbclid=XYZ",
        "https://news.example.com/2024/./story?id=5",
        "https://news.example.com/2024/%73tory?id=5&gclid=1&utm_medium=email",
    ]
    assert {canonicalize_url(v) for v in variants} == {"https://news.example.com/2024/story?id=5"}


@pytest.mark.parametrize(
    "url",
    [
        "https://Example.com/a b?x=%7e&utm_source=1#f",
        "https://bücher.example/ä?q=ü",
        "http://example.com:8080/100%/../x?a=1&&b=2",
    ],
)
def test_canonicalizing_twice_changes_nothing(url: str) -> None:
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/a", "javascript:alert(1)", "example.com/a", "/relative", "https://"],
)
def test_anything_but_an_absolute_http_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        canonicalize_url(url)


def test_an_invalid_port_is_refused() -> None:
    with pytest.raises(ValueError, match="port"):
        canonicalize_url("https://example.com:99999/a")


def test_url_hash_is_the_sha256_hex_of_the_canonical_url() -> None:
    canonical = "https://example.com/a"
    assert url_hash(canonical) == hashlib.sha256(canonical.encode()).hexdigest()
    assert len(url_hash(canonical)) == 64
    assert url_hash(canonical) != url_hash("https://example.com/b")


def test_the_search_feed_url_follows_google_news_format() -> None:
    assert build_search_feed_url("acme rocket", "en", "US") == (
        "https://news.google.com/rss/search?q=acme+rocket&hl=en-US&gl=US&ceid=US:en"
    )


def test_search_keywords_are_url_encoded_and_whitespace_collapsed() -> None:
    url = build_search_feed_url('  "Café Olé"  &  #1 ', "es", "ES")
    assert url == (
        "https://news.google.com/rss/search?q=%22Caf%C3%A9+Ol%C3%A9%22+%26+%231"
        "&hl=es-ES&gl=ES&ceid=ES:es"
    )


def test_language_and_country_codes_are_normalised_in_case() -> None:
    assert build_search_feed_url("x", "DE", "de").endswith("&hl=de-DE&gl=DE&ceid=DE:de")


@pytest.mark.parametrize(
    ("language", "country", "message"),
    [
        ("eng", "US", "Language"),
        ("e", "US", "Language"),
        ("e1", "US", "Language"),
        ("en", "USA", "Country"),
        ("en", "", "Country"),
        ("en", "U$", "Country"),
    ],
)
def test_search_language_and_country_must_be_two_letter_codes(
    language: str, country: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_search_feed_url("acme", language, country)


def test_search_needs_at_least_one_keyword() -> None:
    with pytest.raises(ValueError, match="keyword"):
        build_search_feed_url("   ", "en", "US")
