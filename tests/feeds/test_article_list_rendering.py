"""The articles list's rows, built in Python, are the markup of the template they replaced.

``reference_article_row.html`` is the loop of ``article_list.html`` before its rows moved to
``feeds/article_rows.py``; each case renders both and compares the text byte for byte: markup
in titles, no title, long titles, no date, every status, a duplicate, no language, big counts.
"""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone

from feeds.article_rows import article_rows_html
from feeds.models import Article, ArticleStatus
from tests.reports.page_data import make_article

pytestmark = pytest.mark.django_db

REFERENCE = Template((Path(__file__).parent / "reference_article_row.html").read_text())


@pytest.fixture
def articles(org_a):
    original = make_article(org_a, "/original", title='<script>alert("x")</script> & co')
    made = [
        original,
        make_article(org_a, "/untitled?a=1&b=<2>", title=""),
        make_article(org_a, "/long", title="long " * 60, language="en", word_count=123456),
        make_article(org_a, "/undated", published_at=None, status=ArticleStatus.PENDING),
        make_article(org_a, "/failed", status=ArticleStatus.FAILED, language="pt-BR"),
        make_article(org_a, "/skipped", status=ArticleStatus.SKIPPED),
        make_article(org_a, "/copy", duplicate_of=original),
        make_article(
            org_a, "/midnight", published_at=datetime(2026, 12, 31, 23, 59, 30, tzinfo=UTC)
        ),
    ]
    return list(Article.objects.filter(pk__in=[a.pk for a in made]).order_by("pk"))


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/Sao_Paulo"])
def test_the_python_rows_are_the_template_rows_they_replaced(articles, zone):
    with timezone.override(zone):  # The organization's zone, as a request activates it.
        expected = REFERENCE.render(Context({"articles": articles}))
        built = "".join(f"\n      {row}\n    " for row in article_rows_html(articles))

    assert built == expected[expected.index("\n      <tr>") : expected.rindex("\n    ") + 5]
    assert built.count("<tr>") == len(articles) == 8
