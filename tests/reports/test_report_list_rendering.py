"""The reports list, rendered in Python where templates cost most, matches the markup it replaced.

``reference_report_row.html`` is the row of ``report_list.html`` before it moved to
``reports/views/report_rows.py``; each case renders both and compares the parsed rows (tags,
attributes, text), for rows with every badge, none, markup in titles and many brands.
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone
from django.utils.safestring import mark_safe
from lxml import html

from reports.models import ReportStatus, ReviewStatus
from reports.selectors import report_rows
from reports.views.report_rows import CHIPS_PER_ROW, chips, report_rows_html, url_for_id
from tests.reports.page_data import add_mention, make_article, make_brand, make_feed, make_report

pytestmark = pytest.mark.django_db

REFERENCE_ROW = Template((Path(__file__).parent / "reference_report_row.html").read_text())


def _legacy_context(reports):
    """What the old view set on each report for the template: chips, counts, URLs."""
    from django.urls import reverse

    brand_url = url_for_id("brands:detail")
    for report in reports:
        report.chips = mark_safe(chips(report.mention_list, brand_url))  # noqa: S308
        report.more_brands = max(0, len(report.mention_list) - CHIPS_PER_ROW)
        if report.mention_list:
            report.contacts_url = reverse("contacts:report_contacts", args=[report.pk])
    return reports


def shape(markup: str) -> list[tuple]:
    rows = html.fromstring(f"<table><tbody>{markup}</tbody></table>").xpath("//tr")
    return [
        (
            el.tag,
            sorted(el.attrib.items()),
            " ".join((el.text or "").split()),
            " ".join((el.tail or "").split()),
        )
        for row in rows
        for el in row.iter()
    ]


@pytest.fixture
def reports(org_a):
    feed = make_feed(org_a, "Wire <b>")
    brands = [make_brand(org_a, f"Brand {n} & Co") for n in range(CHIPS_PER_ROW + 2)]
    plain = make_report(make_article(org_a, "/plain", feeds=(feed,)))
    add_mention(plain, brands[0], review_status=ReviewStatus.CONFIRMED)
    add_mention(plain, brands[1], review_status=ReviewStatus.REJECTED, confidence=0.456)
    crowded = make_report(
        make_article(org_a, "/crowded", title='<script>alert("x")</script> ' + "long " * 40),
        extractor="llm",
        cached=True,
        tokens_in=1200,
        tokens_out=34,
        cost_estimate=Decimal("0.012345"),
        sentiment_label="positive",
        sentiment_score=0.4567,
    )
    for brand in brands:
        add_mention(crowded, brand)
    excluded = make_report(
        make_article(org_a, "/excluded", title=""),
        status=ReportStatus.EXCLUDED,
        excluded_rule_name='Rule "quotes" <b>',
        extractor="none",
    )
    failed = make_report(
        make_article(org_a, "/failed"), status=ReportStatus.FAILED, error='Boom <"x">'
    )
    fallback = make_report(make_article(org_a, "/fallback"), status=ReportStatus.FALLBACK)
    return [plain, crowded, excluded, failed, fallback]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_the_python_rows_match_the_template_rows_they_replaced(reports, zone):
    ids = [report.pk for report in reports]
    with timezone.override(zone):  # The organization's zone, as a request activates it.
        expected = REFERENCE_ROW.render(Context({"reports": _legacy_context(report_rows(ids))}))
        built = "".join(report_rows_html(report_rows(ids)))

    assert shape(built) == shape(expected)
    assert len(shape(built)) > 5 * 15  # Every row was compared, cell by cell.


def test_url_for_id_gives_what_reverse_gives():
    from django.urls import reverse

    for name in ("reports:detail", "brands:detail", "contacts:report_contacts"):
        assert url_for_id(name)(42) == reverse(name, args=[42])


@pytest.mark.parametrize(
    "data",
    [None, {"q": 'x"<y>', "date_to": "bad", "min_confidence": "5", "brand": "2", "size": "50"}],
)
def test_the_filter_forms_python_labels_and_inputs_match_djangos_templates(data):
    from django import forms

    from accounts.drawer import FastInputMixin
    from reports.forms import ReportFilterForm

    form = ReportFilterForm(
        data, feeds=[(1, "Wire <b>")], brands=[(2, "Acme & Co")], industries=[], groups=[]
    )
    form.is_valid()
    for bound in form:
        assert bound.label_tag() == forms.BoundField(form, bound.field, bound.name).label_tag()
        widget = bound.field.widget
        if isinstance(widget, FastInputMixin):
            attrs = bound.build_widget_attrs({"id": bound.auto_id})
            if bound.errors:  # as_widget adds these for a field in error
                attrs["aria-invalid"] = "true"
            value = bound.value()
            fast = widget.render(bound.html_name, value, attrs)
            django = super(FastInputMixin, widget).render(bound.html_name, value, attrs)
            assert fast == django


def test_filter_choices_set_directly_are_what_djangos_setter_gives():
    """FilterForm.set_choices skips normalize_choices: the choices, the widget's options and
    validation must be what ``field.choices = ...`` gave."""
    from django.utils.choices import normalize_choices

    from reports.forms import ReportFilterForm

    brands = [(2, "Acme & Co"), (3, "Globex")]
    groups = [(4, "Rivals")]
    form = ReportFilterForm(
        {"brand": "3", "feed": "9", "group": "4"},
        feeds=[(1, "Wire")],
        brands=brands,
        industries=[],
        groups=groups,
    )
    for name, given in [
        ("feed", [("", "All feeds"), (1, "Wire")]),
        ("brand", [("", "All brands"), *brands]),
        ("industry", [("", "All industries")]),
        ("group", [("", "All groups"), *groups]),
    ]:
        field = form.fields[name]
        assert field.choices == normalize_choices(given) == field.widget.choices
    assert not form.is_valid()
    assert list(form.errors) == ["feed"]  # 9 is no feed of the list; 3 and 4 are valid.
    assert (form.cleaned_data["brand"], form.cleaned_data["group"]) == (3, 4)
    assert '<option value="3" selected>Globex</option>' in str(form["brand"])
