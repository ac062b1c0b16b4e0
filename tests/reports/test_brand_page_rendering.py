"""The brand page's "Recent reports" rows, built in Python, are the markup of the template
they replaced.

``reference_brand_recent_row.html`` is the loop of ``brand_detail.html`` before its rows moved
to ``reports/views/brand_rows.py``; each case renders both and compares the text byte for
byte: markup in titles and evidence, no title, long titles and evidence, every review status,
confidences that round, times near midnight in three time zones.
"""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone

from reports.models import Mention, ReviewStatus
from reports.views.brand_rows import recent_rows_html
from tests.reports.page_data import add_mention, make_article, make_brand, make_report

pytestmark = pytest.mark.django_db

REFERENCE = Template((Path(__file__).parent / "reference_brand_recent_row.html").read_text())


@pytest.fixture
def mentions(org_a):
    brand = make_brand(org_a, "Acme <Corp>")
    cases = [
        (
            {"title": '<script>alert("x")</script> & co'},
            {"evidence": 'Acme said "<b>hi</b>" & left'},
        ),
        ({"title": ""}, {"confidence": 0.005, "review_status": ReviewStatus.CONFIRMED}),
        ({"title": "long " * 40}, {"evidence": "word " * 60, "confidence": 0.125}),
        ({}, {"confidence": 1.0, "review_status": ReviewStatus.REJECTED}),
        ({}, {"mentioned_at": datetime(2026, 12, 31, 23, 59, 30, tzinfo=UTC)}),
        ({}, {"mentioned_at": datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC), "confidence": 0.999}),
    ]
    made = []
    for index, (article_values, mention_values) in enumerate(cases):
        article = make_article(org_a, f"/story-{index}?a=1&b=<2>", **article_values)
        made.append(add_mention(make_report(article), brand, **mention_values))
    return list(
        Mention.objects.filter(pk__in=[m.pk for m in made])
        .select_related("report__article")
        .order_by("pk")
    )


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/Sao_Paulo"])
def test_the_python_rows_are_the_template_rows_they_replaced(mentions, zone):
    with timezone.override(zone):  # The organization's zone, as a request activates it.
        expected = REFERENCE.render(Context({"recent": mentions}))
        built = "".join(f"\n      {row}\n    " for row in recent_rows_html(mentions))

    start = expected.index("\n      <tr ")
    assert built == expected[start : expected.rindex("\n    ") + 5]
    assert built.count("<tr ") == len(mentions) == 6


def test_the_brand_page_shows_its_recent_rows(client_for, alice, org_a, mentions):
    brand = mentions[0].brand
    page = client_for(alice).get(f"/brands/{brand.pk}/").content.decode()

    for row in recent_rows_html(mentions):
        assert row in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page
