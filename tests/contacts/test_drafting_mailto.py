"""mailto: links for drafts: RFC 6068 encoding, and long bodies cut at a paragraph."""

from urllib.parse import parse_qs, unquote, urlsplit

from contacts.drafting.mailto import MAILTO_MAX_LENGTH, TRUNCATION_NOTE, mailto_link, mailto_url
from contacts.models import EmailDraft
from tests.contacts.builders import make_brand, make_contact


def fields(link: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(link)
    assert parts.scheme == "mailto"
    query = {
        key: values[0] for key, values in parse_qs(parts.query, keep_blank_values=True).items()
    }
    return unquote(parts.path), query


def test_reserved_characters_unicode_and_newlines_are_percent_encoded():
    subject = "Q&A? 100% #1 + more"
    body = "Hello Zoë,\nline two & three?\n\nhttps://news.example/a?b=1&c=2#top\r\nEnd"

    link, cut = mailto_link(to="jane@acme.example", subject=subject, body=body)

    assert not cut
    assert link == (
        "mailto:jane@acme.example"
        "?subject=Q%26A%3F%20100%25%20%231%20%2B%20more"
        "&body=Hello%20Zo%C3%AB%2C%0D%0Aline%20two%20%26%20three%3F%0D%0A%0D%0A"
        "https%3A%2F%2Fnews.example%2Fa%3Fb%3D1%26c%3D2%23top%0D%0AEnd"
    )
    # Exactly two fields: nothing in the text split the query or started a fragment.
    address, query = fields(link)
    assert address == "jane@acme.example"
    assert query == {"subject": subject, "body": body.replace("\r\n", "\n").replace("\n", "\r\n")}


def test_an_address_with_unusual_characters_stays_one_address():
    link, _ = mailto_link(to="a%b?c@acme.example", subject="S", body="B")

    assert link.startswith("mailto:a%25b%3Fc@acme.example?subject=S&body=B")


def test_a_long_body_is_cut_at_a_paragraph_end_with_a_note_to_paste_the_full_draft():
    paragraphs = [f"Paragraph {n}: " + " ".join(["words and more words"] * 12) for n in range(1, 9)]
    body = "\n\n".join(paragraphs)

    link, cut = mailto_link(to="jane@acme.example", subject="Long one", body=body)

    assert cut
    assert len(link) <= MAILTO_MAX_LENGTH
    _, query = fields(link)
    assert query["subject"] == "Long one"
    sent = query["body"].replace("\r\n", "\n")
    kept, note = sent.rsplit("\n\n", 1)
    assert note == TRUNCATION_NOTE
    assert "paste the full draft from Marketing Hunting" in note
    # Whole paragraphs from the start, as many as fit.
    assert body.startswith(kept + "\n\n")
    assert kept.endswith(paragraphs[kept.count("\n\n")])
    assert 1 <= kept.count("\n\n") + 1 < len(paragraphs)


def test_a_single_huge_paragraph_is_cut_at_a_word():
    body = "word " * 1000

    link, cut = mailto_link(to="", subject="S", body=body)

    assert cut and len(link) <= MAILTO_MAX_LENGTH
    _, query = fields(link)
    kept = query["body"].replace("\r\n", "\n").rsplit("\n\n", 1)[0]
    assert kept.startswith("word word") and set(kept.split()) == {"word"}


def test_unicode_counts_as_its_encoded_length():
    body = "é" * 400  # 2 bytes each, 6 characters encoded: 2,400 characters of link.

    link, cut = mailto_link(to="jane@acme.example", subject="S", body=body)

    assert cut and len(link) <= MAILTO_MAX_LENGTH


def test_mailto_url_uses_the_drafts_contact_subject_and_body(org_a):
    contact = make_contact(make_brand(org_a, "Acme"), email="jane@acme.example")
    draft = EmailDraft(contact=contact, subject="Hi there", body="One\nTwo")

    assert mailto_url(draft) == "mailto:jane@acme.example?subject=Hi%20there&body=One%0D%0ATwo"


def test_a_long_subject_is_cut_too_counting_its_encoded_length():
    # Issue #17, item 6: a 299-emoji subject made a 3,798-character link.
    subject = "🎉" * 299  # 4 bytes each: 12 characters of link per emoji.

    link, cut = mailto_link(to="jane@acme.example", subject=subject, body="Hi Jane,\n\nAlice")

    assert cut and len(link) <= MAILTO_MAX_LENGTH
    _, query = fields(link)
    assert query["subject"].endswith("…")
    kept = query["subject"].removesuffix("…")
    assert kept and subject.startswith(kept)
    # A short body still fits whole after the cut subject.
    assert query["body"] == "Hi Jane,\r\n\r\nAlice"


def test_a_long_subject_and_a_long_body_keep_the_note_to_paste_the_full_draft():
    link, cut = mailto_link(to="jane@acme.example", subject="🎉" * 299, body="word " * 1000)

    assert cut and len(link) <= MAILTO_MAX_LENGTH
    _, query = fields(link)
    assert query["subject"].endswith("…")
    assert query["body"].replace("\r\n", "\n").endswith(TRUNCATION_NOTE)


def test_a_subject_that_fits_is_never_cut_because_of_a_long_body():
    link, cut = mailto_link(to="jane@acme.example", subject="Short", body="word " * 1000)

    assert cut and len(link) <= MAILTO_MAX_LENGTH
    assert fields(link)[1]["subject"] == "Short"


def test_any_subject_and_body_give_a_link_within_the_limit():
    pieces = ["🎉", "é", "a", " ", "%", "&", "\n", "漢字", "👩‍👩‍👧", "word "]
    for n in range(200):
        subject = "".join(pieces[(n + k) % len(pieces)] for k in range(n * 3 % 400))
        body = "".join(pieces[(n * 7 + k) % len(pieces)] for k in range(n * 11 % 900))

        link, _ = mailto_link(to="jane.doe@acme.example", subject=subject, body=body)

        assert len(link) <= MAILTO_MAX_LENGTH, (n, len(link))
