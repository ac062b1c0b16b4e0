"""Every admin export (feeds, articles, contacts) writes text a spreadsheet would run as a
formula as plain text, in CSV and in XLSX, by the same rule as the app's own export."""

import csv
import io

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import Model
from django.urls import reverse
from import_export.formats.base_formats import CSV, XLSX
from openpyxl import load_workbook

from contacts.models import BrandContact
from feeds.models import Article, Feed
from marketing_hunting.spreadsheets import FormulaSafeResource, escape_formula, unescape_formula
from tests.contacts.builders import make_brand, make_contact
from tests.feeds.builders import make_feed, stored_article

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("https://evil.example","click")'


@pytest.fixture
def ops(client_for):
    return client_for(User.objects.create_superuser("ops", "ops@example.com", "x"))


def hostile_feed(org) -> Feed:
    return make_feed(org, "https://news.example/rss", name=HOSTILE)


def hostile_article(org) -> Article:
    article = stored_article(org, make_feed(org, "https://news.example/rss"), 1, 0)
    article.title = HOSTILE
    article.author = "@SUM(1+1)"
    article.save()
    return article


def hostile_contact(org) -> BrandContact:
    return make_contact(make_brand(org, "Acme"), HOSTILE)


RESOURCES = {
    "feed": (Feed, hostile_feed),
    "article": (Article, hostile_article),
    "contact": (BrandContact, hostile_contact),
}


def admin_export(ops, model: type[Model], file_format: type) -> bytes:
    model_admin = admin.site._registry[model]
    index = next(i for i, f in enumerate(model_admin.get_export_formats()) if f is file_format)
    resource = model_admin.get_export_resource_classes(None)[0]
    kwargs = {"organization": None} if model is BrandContact else {}
    fields = {
        f"{resource.__name__.lower()}_{name}": "on"
        for name in resource(**kwargs).get_export_order()
    }
    opts = model._meta
    response = ops.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_export"),
        {"format": index, "resource": 0, **fields},
    )
    assert response.status_code == 200
    return response.content


def csv_cells(content: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) > 1, "the export holds no data row"
    return [cell for row in rows[1:] for cell in row]


def xlsx_cells(content: bytes) -> list[tuple[str, object]]:
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(min_row=2))
    assert rows, "the export holds no data row"
    return [(cell.data_type, cell.value) for row in rows for cell in row]


@pytest.mark.parametrize("name", RESOURCES)
def test_the_admin_csv_export_writes_formulas_as_text(ops, org_a, name):
    model, make = RESOURCES[name]
    make(org_a)

    cells = csv_cells(admin_export(ops, model, CSV))

    assert "'" + HOSTILE in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))]


@pytest.mark.parametrize("name", RESOURCES)
def test_the_admin_xlsx_export_writes_formulas_as_text(ops, org_a, name):
    model, make = RESOURCES[name]
    make(org_a)

    cells = xlsx_cells(admin_export(ops, model, XLSX))

    assert ("s", "'" + HOSTILE) in cells
    assert not [value for kind, value in cells if kind == "f"]


def test_an_article_author_starting_with_at_is_text_too(ops, org_a):
    hostile_article(org_a)

    assert "'@SUM(1+1)" in csv_cells(admin_export(ops, Article, CSV))


def test_every_admin_export_resource_uses_the_one_rule():
    # A resource registered later without the rule would export formulas again.
    exporters = [
        model_admin
        for model_admin in admin.site._registry.values()
        if hasattr(model_admin, "get_export_resource_classes")
    ]
    assert {type(a).__name__ for a in exporters} >= {"FeedAdmin", "ArticleAdmin"}
    for model_admin in exporters:
        for resource in model_admin.get_export_resource_classes(None):
            assert issubclass(resource, FormulaSafeResource), resource


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_escaping_round_trips(value):
    assert escape_formula(value) == "'" + value
    assert unescape_formula(escape_formula(value)) == value


@pytest.mark.parametrize("value", ["Acme", "'quoted", 42, None])
def test_harmless_values_are_left_alone(value):
    assert escape_formula(value) == value
    assert unescape_formula(value) == value


def test_an_exported_feed_file_imports_back_to_the_same_name(ops, org_a):
    feed = hostile_feed(org_a)
    content = admin_export(ops, Feed, CSV)
    feed.delete()

    resource = admin.site._registry[Feed].get_import_resource_classes(None)[0]()
    dataset = CSV().create_dataset(content.decode("utf-8-sig"))
    result = resource.import_data(dataset, dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert Feed.objects.get().name == HOSTILE
