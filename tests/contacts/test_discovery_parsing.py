"""Reading what providers return: search-result titles and snippets, and brands' own pages."""

import pytest

from contacts.discovery.extract import (
    deobfuscate,
    extract_contacts,
    page_lines,
    parse_page,
)
from contacts.discovery.names import clean_person_name, keyword_pattern
from contacts.discovery.serp import parse_result, profile_url, search_query
from contacts.discovery.website import LINK_WORDS, contact_links
from contacts.models import DEFAULT_ROLE_KEYWORDS

ROLES = keyword_pattern(DEFAULT_ROLE_KEYWORDS)
IN = "https://www.linkedin.com/in/someone"


def parsed(title, url=IN, description="", brand="Acme"):
    candidate = parse_result(
        title=title, url=url, description=description, brand_name=brand, role_pattern=ROLES
    )
    if candidate is None:
        return None
    return (candidate.full_name, candidate.title, candidate.company)


@pytest.mark.parametrize(
    ("title", "description", "expected"),
    [
        (
            "Jane Doe \u2013 Head of PR \u2013 Acme | LinkedIn",
            "",
            ("Jane Doe", "Head of PR", "Acme"),
        ),
        (
            "John Smith - Marketing Director - Acme Corp | LinkedIn",
            "",
            ("John Smith", "Marketing Director", "Acme Corp"),
        ),
        (
            "Zoë van der Berg · Communications Manager · Acme",
            "",
            ("Zoë van der Berg", "Communications Manager", "Acme"),
        ),
        (
            "Jane Doe, PhD — Director of Communications — Acme | LinkedIn",
            "",
            ("Jane Doe", "Director of Communications", "Acme"),
        ),
        (
            "Mia Wong \u2013 PR Manager at Acme \u2013 Acme Group | LinkedIn",
            "",
            ("Mia Wong", "PR Manager", "Acme Group"),
        ),
        # The role only in the snippet, which search APIs send with <strong> highlights.
        (
            "Tom <strong>Hardy</strong> - <strong>Acme</strong> | LinkedIn",
            "Brand Manager at <strong>Acme</strong>. 500+ connections on LinkedIn.",
            ("Tom Hardy", "Brand Manager", "Acme"),
        ),
        (
            "Anne-Marie O&#39;Neil | LinkedIn",
            "Head of Press at Acme · Experience: Acme · Location: Paris",
            ("Anne-Marie O'Neil", "Head of Press", "Acme"),
        ),
        # "PR" also stands for "public relations"; a title cut off with an ellipsis.
        (
            "Lea Roth \u2013 Head of Public Relations \u2013 Acme ...",
            "",
            ("Lea Roth", "Head of Public Relations", "Acme"),
        ),
        # A location after the company.
        (
            "Raj Patel - Media Relations Lead - Acme - London | LinkedIn",
            "",
            ("Raj Patel", "Media Relations Lead", "Acme"),
        ),
        ("Sam Lee 🚀 | Head of Brand | Acme", "", ("Sam Lee", "Head of Brand", "Acme")),
    ],
)
def test_it_reads_name_title_and_company_from_profile_results(title, description, expected):
    assert parsed(title, description=description) == expected


@pytest.mark.parametrize(
    ("title", "url", "description"),
    [
        # Not in one of the roles.
        ("Bob Ray - Software Engineer - Acme | LinkedIn", IN, ""),
        # Works elsewhere; only mentions the brand in passing.
        (
            "Carl Cox \u2013 Head of PR \u2013 Globex | LinkedIn",
            IN,
            "Previously press officer at Acme.",
        ),
        # Company pages, posts and directories are not profiles.
        ("Acme | LinkedIn", "https://www.linkedin.com/company/acme", ""),
        ("Jane Doe on LinkedIn: Excited to announce", "https://www.linkedin.com/posts/jd_x", ""),
        ('10+ "Acme" profiles | LinkedIn', "https://www.linkedin.com/pub/dir/Acme", ""),
        # A profile-looking title on another site.
        ("Jane Doe \u2013 Head of PR \u2013 Acme", "https://linkedin.com.evil.example/in/jane", ""),
        # Titles that are not a person's name.
        ("Press Office \u2013 Acme | LinkedIn", IN, "PR at Acme"),
        ("Top 10 PR Managers \u2013 Acme", IN, ""),
        ("jane doe - head of pr - acme", IN, ""),
        ("", IN, "Head of PR at Acme"),
    ],
)
def test_it_skips_results_that_are_not_a_profile_of_someone_in_a_role_at_the_brand(
    title, url, description
):
    assert parsed(title, url, description) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.linkedin.com/in/jane-doe-1a2b3c",
            "https://www.linkedin.com/in/jane-doe-1a2b3c",
        ),
        ("https://uk.linkedin.com/in/jane/?trk=x", "https://www.linkedin.com/in/jane"),
        ("http://linkedin.com/in/j%C3%B6rg-m", "https://www.linkedin.com/in/j%C3%B6rg-m"),
        ("https://www.linkedin.com/in/jane/details/experience", None),
        ("https://www.linkedin.com/company/acme", None),
        ("https://notlinkedin.com/in/jane", None),
        ("javascript:alert(1)", None),
    ],
)
def test_only_profile_url_shapes_count_as_profile_urls(url, expected):
    assert profile_url(url) == expected


def test_the_query_asks_for_profiles_at_the_brand_in_the_roles():
    query = search_query('Acme "Labs"', ["PR", "press", " ", 'mar"keting'])

    assert query == 'site:linkedin.com/in "Acme  Labs" ("PR" OR "press" OR "mar keting")'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Doe", "Jane Doe"),
        ("  Zoë  van der Berg ", "Zoë van der Berg"),
        ("Jane Doe, MBA, CIPR", "Jane Doe"),
        ("Jane Doe (she/her)", "Jane Doe"),
        ("Press Releases", None),
        ("About Us", None),
        ("Jane", None),
        ("Jane Doe 2", None),
        ("Doe, Jane", None),
        ("Head of Communications", None),
    ],
)
def test_person_names_are_told_from_headings(text, expected):
    assert clean_person_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("press [at] acme [dot] example", "press@acme.example"),
        ("press(at)acme(dot)co(dot)uk", "press@acme.co.uk"),
        ("media {at} acme {dot} example", "media@acme.example"),
        ("jane.doe AT acme DOT example", "jane.doe@acme.example"),
        ("pr [@] acme.example", "pr@acme.example"),
        ("meet us at acme dot com", "meet us at acme dot com"),
    ],
)
def test_common_email_obfuscations_are_read(text, expected):
    assert deobfuscate(text) == expected


PRESS_PAGE = """<!doctype html><html><head><title>Press</title>
<script>var tracking = "spam@acme.example";</script></head><body>
<nav><a href="/press">Press</a> <a href="/about-us">About us</a>
<a href="https://twitter.com/acme">Twitter</a> <a href="/shop">Shop</a>
<a href="/en/kontakt">Kontakt</a></nav>
<h1>Press room</h1>
<p>For press enquiries write to <a href="mailto:press@acme.example?subject=Hello">our press
office</a>.</p>
<div class="person"><h3>Jane Doe</h3><p>Head of Communications</p>
<p>jane.doe [at] acme [dot] example</p><p>Tel: +44 20 7946 0958</p></div>
<div class="person"><h3>Max Mustermann</h3><p>Media Relations Manager</p>
<p>max(at)acme(dot)example</p></div>
<p>Media contact: Sarah Connor, PR Lead at Agency Ltd — sarah.connor@agency.example</p>
<p>Careers: jobs@acme.example</p><p>Privacy: privacy@acme.example</p>
<p>General questions: hello@acme.example</p>
<ul><li>Peter Parker, Head of Brand Marketing</li><li>Read our latest news</li>
<li>Bruce Wayne, Chief Executive Officer</li></ul>
<img src="logo@2x.png" alt="">
</body></html>"""


def test_press_contacts_role_addresses_and_obfuscated_addresses_are_extracted():
    lines = page_lines(parse_page(PRESS_PAGE))
    found = extract_contacts(
        lines, page_url="https://acme.example/press", brand_name="Acme", pattern=ROLES
    )

    people = {(c.full_name, c.title, c.email, c.phone, c.company) for c in found}
    assert people == {
        ("Press office", "Press contact", "press@acme.example", "", "Acme"),
        (
            "Jane Doe",
            "Head of Communications",
            "jane.doe@acme.example",
            "+44 20 7946 0958",
            "Acme",
        ),
        ("Max Mustermann", "Media Relations Manager", "max@acme.example", "", "Acme"),
        ("Sarah Connor", "PR Lead", "sarah.connor@agency.example", "", "Agency Ltd"),
        ("Peter Parker", "Head of Brand Marketing", "", "", "Acme"),
    }
    jane = next(c for c in found if c.full_name == "Jane Doe")
    assert jane.source == "brand_website"
    assert jane.source_url == "https://acme.example/press"
    assert "Head of Communications" in jane.excerpt


def test_addresses_without_a_role_nearby_and_script_text_are_left_out():
    lines = page_lines(parse_page(PRESS_PAGE))
    found = extract_contacts(
        lines, page_url="https://acme.example/", brand_name="Acme", pattern=ROLES
    )

    emails = {c.email for c in found}
    for left_out in ("jobs@", "privacy@", "hello@", "spam@", "logo@"):
        assert not any(email.startswith(left_out) for email in emails)
    assert "Bruce Wayne" not in {c.full_name for c in found}


def test_a_non_role_address_labelled_with_a_role_keyword_is_a_press_contact():
    page = "<p>Press enquiries:</p><p>j.smith@acme.example</p>"
    found = extract_contacts(
        page_lines(parse_page(page)),
        page_url="https://acme.example/",
        brand_name="Acme",
        pattern=ROLES,
    )

    assert [(c.full_name, c.email) for c in found] == [
        ("Press contact (j.smith@acme.example)", "j.smith@acme.example")
    ]


def test_links_to_press_contact_and_about_pages_of_the_same_site_are_followed():
    root = parse_page(PRESS_PAGE)

    assert contact_links(root, "https://acme.example/", LINK_WORDS) == [
        "https://acme.example/press",
        "https://acme.example/about-us",
        "https://acme.example/en/kontakt",
    ]


@pytest.mark.parametrize("page", ["", "   ", "%PDF-1.4 binary", "<html></html>"])
def test_empty_or_odd_pages_give_nothing(page):
    root = parse_page(page)
    lines = page_lines(root) if root is not None else []

    assert (
        extract_contacts(lines, page_url="https://a.example/", brand_name="A", pattern=ROLES) == []
    )
