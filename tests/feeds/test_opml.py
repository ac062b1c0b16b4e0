"""OPML import (the drawer's report, refused files) and export, including a round trip."""

import pytest
from defusedxml import ElementTree
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import html

from feeds.models import Feed
from tests.feeds.builders import make_feed

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
IMPORT_URL = reverse("feeds:import")
EXPORT_URL = reverse("feeds:export")

READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Subscriptions in Feedly</title></head>
  <body>
    <outline text="Business" title="Business">
      <outline type="rss" text="Reuters Business" title="Reuters Business"
               xmlUrl="https://feeds.example/reuters/business.xml" htmlUrl="https://reuters.example/"/>
      <outline text="Retail">
        <outline type="rss" text="Retail Dive" xmlUrl="https://retaildive.example/feeds/news/"/>
      </outline>
    </outline>
    <outline text="Tech">
      <outline type="rss" text="Already here" title="Already here"
               xmlUrl="https://tech.example/rss"/>
      <outline type="rss" text="Sneaky" title="Sneaky" xmlUrl="javascript:alert(1)"/>
    </outline>
  </body>
</opml>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE opml [
  <!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<opml version="2.0"><head><title>&f;</title></head>
<body><outline text="&f;" xmlUrl="https://bomb.example/rss"/></body></opml>
"""


def upload(client, data: bytes, name: str = "subscriptions.opml"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data)}, **HTMX)


def texts(response, xpath: str) -> list[str]:
    found = html.fromstring(response.content.decode()).xpath(xpath)
    return [" ".join(node.text_content().split()) for node in found]


def test_the_import_drawer_offers_a_file_field(client_for, alice):
    response = client_for(alice).get(IMPORT_URL, **HTMX)

    assert b"<html" not in response.content
    assert b'type="file" name="file"' in response.content


def test_importing_a_reader_export_reports_what_was_added_and_skipped(client_for, alice, org_a):
    make_feed(org_a, "https://tech.example/rss", name="Tech (mine)")

    response = upload(client_for(alice), READER_EXPORT)

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert texts(response, "//div[@class='import-report']/p") == ["2 added, 2 skipped."]
    assert texts(response, "//h3[.='Added']/following-sibling::ul[1]/li") == [
        "Reuters Business",
        "Retail Dive",
    ]
    skipped = texts(response, "//h3[.='Skipped']/following-sibling::ul[1]/li")
    assert skipped[0] == "https://tech.example/rss — already in your feeds"
    assert skipped[1] == "javascript:alert(1) — Enter a valid URL."
    feeds = dict(Feed.objects.filter(organization=org_a).values_list("url", "name"))
    assert feeds == {
        "https://tech.example/rss": "Tech (mine)",
        "https://feeds.example/reuters/business.xml": "Reuters Business",
        "https://retaildive.example/feeds/news/": "Retail Dive",
    }


@pytest.mark.parametrize(
    "data, error",
    [
        (b"<opml><body><outline xmlUrl='https://a.example/'>", "is not valid OPML/XML"),
        (b"this is not xml at all", "is not valid OPML/XML"),
        (
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
            "The file is XML but not OPML",
        ),
        (BILLION_LAUGHS, "The file uses XML entities, which are refused for safety."),
        (
            b'<?xml version="1.0"?><opml version="2.0"><head/><body></body></opml>',
            "The file contains no feeds",
        ),
        (
            b'<opml version="1.0"><body><outline text="A folder"/></body></opml>',
            "The file contains no feeds",
        ),
        (b"", "The submitted file is empty."),
    ],
    ids=["truncated", "text", "rss", "billion-laughs", "empty-body", "folders-only", "0-bytes"],
)
def test_a_file_that_is_not_usable_opml_is_refused_and_nothing_is_created(
    client_for, alice, data, error
):
    response = upload(client_for(alice), data)

    assert response.status_code == 200
    [shown] = texts(response, "//div[contains(@class,'field-file')]/p[@class='field-error']")
    assert error in shown
    assert not texts(response, "//div[@class='import-report']")
    assert Feed.objects.count() == 0


def test_the_export_is_an_opml_attachment_of_the_organizations_feeds(
    client_for, alice, org_a, org_b
):
    make_feed(org_a, "https://b.example/rss", name="Beta & Co")
    make_feed(org_a, "https://a.example/atom?x=1&y=2", name="Alpha <news>")
    make_feed(org_b, "https://charlie.example/rss", name="Charlie's")

    response = client_for(alice).get(EXPORT_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/x-opml")
    assert response["Content-Disposition"] == ('attachment; filename="organization-a-feeds.opml"')
    root = ElementTree.fromstring(response.content)
    assert (root.tag, root.get("version")) == ("opml", "2.0")
    assert root.findtext("head/title") == "Organization A feeds (Marketing Hunting)"
    outlines = [(o.get("text"), o.get("xmlUrl"), o.get("type")) for o in root.iter("outline")]
    assert outlines == [
        ("Alpha <news>", "https://a.example/atom?x=1&y=2", "rss"),
        ("Beta & Co", "https://b.example/rss", "rss"),
    ]


def test_an_export_imported_into_another_organization_adds_every_feed(
    client_for, alice, charlie, org_a, org_b
):
    for n in range(3):
        make_feed(org_a, f"https://n{n}.example/rss", name=f"Feed {n}")
    exported = client_for(alice).get(EXPORT_URL).content

    response = upload(client_for(charlie), exported, name="organization-a-feeds.opml")

    assert texts(response, "//div[@class='import-report']/p") == ["3 added, 0 skipped."]
    mine = set(Feed.objects.filter(organization=org_a).values_list("name", "url"))
    theirs = set(Feed.objects.filter(organization=org_b).values_list("name", "url"))
    assert theirs == mine and len(theirs) == 3
