"""The articles list's rows, built in Python, are the markup of the template they replaced.

``reference_article_row.html`` is the loop of ``article_list.html`` before its rows moved to
``feeds/article_rows.py``; each case renders both and compares the text byte for byte: markup
in titles, no title, long titles, no date, every status, a duplicate, no language, big counts.
"""

import re
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


def _between_tags(markup: str) -> str:
    """Django's select template puts newlines between its options; the browser shows none."""
    return re.sub(r">\s+<", "><", str(markup))


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"q": 'x"<y>', "feed": "2", "status": ArticleStatus.FAILED, "since": "2026-01-02"},
        {"feed": "not-a-feed", "status": "nope", "since": "bad"},
    ],
)
def test_the_filter_forms_python_widgets_match_djangos_templates(data):
    """The articles list's filter form (accounts.drawer's Python widgets): each field is the
    markup Django's widget templates gave, chosen option, value and error state included."""
    from django import forms

    from accounts.drawer import FastInputMixin, FastSelect
    from feeds.forms import ArticleFilterForm

    feeds = [(1, "Wire <b> & co"), (2, "Second")]
    form = ArticleFilterForm(data, feeds=feeds)
    # The same form with Django's own widgets, as the page had them before.
    reference = ArticleFilterForm(data, feeds=feeds)
    for name, field in reference.fields.items():
        widget = field.widget
        assert isinstance(widget, FastInputMixin | FastSelect), name
        plain = forms.Select if isinstance(widget, FastSelect) else forms.TextInput
        if isinstance(widget, forms.DateInput):
            plain = forms.DateInput
        field.widget = plain(attrs=widget.attrs)
        if isinstance(widget, FastSelect):
            field.widget.choices = widget.choices
        else:
            field.widget.input_type = widget.input_type  # "date": Django took it from attrs
    form.is_valid()
    reference.is_valid()
    for bound in form:
        expected = reference[bound.name].as_widget()
        assert _between_tags(bound.as_widget()) == _between_tags(expected), bound.name
