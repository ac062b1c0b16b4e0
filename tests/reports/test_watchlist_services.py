"""Watchlist services: track a brand (new or already discovered), track / ignore, bulk review,
groups; and that the next analysis really matches tracked brands and drops ignored ones."""

import pytest
from django.core.exceptions import ValidationError

from reports.models import (
    BlockedTerm,
    Brand,
    BrandAlias,
    BrandGroup,
    BrandStatus,
    FeedbackAction,
    FeedbackEvent,
    Mention,
)
from reports.services.analyse import report_analyse
from reports.services.watchlists import (
    brand_create_tracked,
    brand_group_create,
    brand_group_delete,
    brand_group_rename,
    brand_ignore,
    brand_track,
    brands_review,
)
from tests.reports.analysis_data import make_article, track
from tests.reports.page_data import add_mention, make_industry, make_report
from tests.reports.page_data import make_article as make_page_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_llm(settings):
    settings.OPENAI_API_KEY = None
    settings.OPENAI_BASE_URL = None


def test_a_new_brand_is_created_tracked_with_its_aliases_website_industry_and_groups(org_a, alice):
    cars = make_industry(org_a, "Automotive")
    clients = brand_group_create(organization=org_a, name="Clients")

    brand, created = brand_create_tracked(
        organization=org_a,
        actor=alice,
        name="  Acme   Rockets ",
        aliases=["ACR", "Acme Rocket Co."],
        website="acme-rockets.example",
        industry=cars,
        groups=[clients],
    )

    assert created
    assert (brand.name, brand.key, brand.status) == ("Acme Rockets", "acme rockets", "tracked")
    assert brand.website == "https://acme-rockets.example"
    assert brand.industry == cars
    assert list(brand.groups.all()) == [clients]
    assert sorted(brand.aliases.values_list("alias", flat=True)) == ["ACR", "Acme Rocket Co."]
    assert FeedbackEvent.objects.get(brand=brand).action == FeedbackAction.TRACK


def test_a_discovered_brand_is_tracked_and_updated_not_duplicated(org_a, alice):
    discovered = track(org_a, "Globex Corporation", status=BrandStatus.UNREVIEWED)
    BrandAlias.objects.create(
        organization=org_a, brand=discovered, alias="Globex Corp", normalized="globex"
    )
    report = make_report(make_page_article(org_a, "/g"))
    add_mention(report, discovered, surface="Globex")

    # "Globex Corp" normalises to "globex", the discovered brand's alias.
    brand, created = brand_create_tracked(
        organization=org_a, actor=alice, name="Globex Corp", website="https://globex.example"
    )

    assert not created and brand.pk == discovered.pk
    assert Brand.objects.filter(organization=org_a).count() == 1
    brand.refresh_from_db()
    assert (brand.status, brand.website) == ("tracked", "https://globex.example")
    assert brand.mentions.count() == 1


def test_tracking_a_rejected_name_lifts_the_rejection(org_a, alice):
    BlockedTerm.objects.create(organization=org_a, term="Apple", normalized="apple")

    brand_create_tracked(organization=org_a, actor=alice, name="Apple")

    assert not BlockedTerm.objects.filter(organization=org_a).exists()


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"name": "X"}, "name", "“X” is too short: a brand name needs 2 characters."),
        ({"name": "A" * 300}, "name", "The name is 300 characters long; the limit is 200."),
        ({"name": "!!!"}, "name", "Enter a brand name (letters or digits)."),
        ({"name": "Acme", "website": "not a site"}, "website", "is not a web address"),
        ({"name": "Acme", "aliases": ["Q"]}, "aliases", "too short"),
        ({"name": "Acme", "aliases": ["Initech"]}, "aliases", "another brand (Initech)"),
    ],
)
def test_a_bad_brand_says_what_is_wrong_and_changes_nothing(org_a, alice, values, field, message):
    initech = track(org_a, "Initech", status=BrandStatus.UNREVIEWED)

    with pytest.raises(ValidationError) as error:
        brand_create_tracked(organization=org_a, actor=alice, **values)

    assert message in " ".join(error.value.message_dict[field])
    assert list(Brand.objects.filter(organization=org_a)) == [initech]
    assert not BrandAlias.objects.exists() and not FeedbackEvent.objects.exists()
    initech.refresh_from_db()
    assert initech.status == BrandStatus.UNREVIEWED


def test_another_organizations_industry_or_group_is_refused(org_a, org_b, alice):
    theirs = brand_group_create(organization=org_b, name="Clients")

    with pytest.raises(ValidationError):
        brand_create_tracked(organization=org_a, actor=alice, name="Acme", groups=[theirs])

    assert not Brand.objects.exists()


def test_a_brand_added_in_the_app_is_matched_in_the_next_article(org_a, alice, no_llm):
    brand, _ = brand_create_tracked(
        organization=org_a, actor=alice, name="Zentrix Labs", aliases=["Zentrix"]
    )
    article = make_article(
        org_a, text="Shares of zentrix rose on Monday after Zentrix unveiled a faster chip."
    )

    report = report_analyse(article=article)

    assert report.mentions.get().brand == brand


def test_an_ignored_brand_is_not_reported_any_more_and_does_not_come_back(org_a, alice, no_llm):
    globex = track(org_a, "Globex", status=BrandStatus.UNREVIEWED)
    first = report_analyse(article=make_article(org_a, n=1))
    assert first.mentions.filter(brand=globex).exists()

    brand_ignore(brand=globex, actor=alice)
    second = report_analyse(article=make_article(org_a, n=2))

    assert not second.mentions.filter(brand__name__icontains="globex").exists()
    assert Brand.objects.filter(organization=org_a, name__icontains="globex").count() == 1
    # The earlier report keeps its mention: nothing already reported is lost.
    assert first.mentions.filter(brand=globex).exists()


def test_track_and_ignore_record_the_change_once(org_a, alice):
    brand = track(org_a, "Globex", status=BrandStatus.UNREVIEWED)

    brand_track(brand=brand, actor=alice)
    brand_track(brand=brand, actor=alice)
    brand_ignore(brand=brand, actor=alice)

    brand.refresh_from_db()
    assert brand.status == BrandStatus.IGNORED
    assert list(
        FeedbackEvent.objects.filter(brand=brand).order_by("id").values_list("action", flat=True)
    ) == ["track", "ignore"]


def test_a_merged_brand_cannot_be_tracked(org_a, alice):
    target = track(org_a, "Globex")
    merged = track(org_a, "Globex Old", status=BrandStatus.UNREVIEWED, merged_into=target)

    with pytest.raises(ValidationError):
        brand_track(brand=merged, actor=alice)

    merged.refresh_from_db()
    assert merged.status == BrandStatus.UNREVIEWED


def test_bulk_review_tracks_ignores_and_merges_and_counts_the_changes(org_a, alice):
    a, b, c, d = (
        track(org_a, name, status=BrandStatus.UNREVIEWED) for name in ("Aa", "Bb", "Cc", "Dd")
    )
    target = track(org_a, "Target Brand")
    report = make_report(make_page_article(org_a, "/r"))
    add_mention(report, c, surface="Cc")

    tracked = brands_review(organization=org_a, brands=[a], action="track", actor=alice)
    ignored = brands_review(organization=org_a, brands=[a, b], action="ignore", actor=alice)
    merged = brands_review(
        organization=org_a, brands=[c, d], action="merge", target=target, actor=alice
    )

    assert (tracked, ignored, merged) == (1, 2, 2)
    statuses = dict(Brand.objects.values_list("name", "status"))
    assert statuses["Aa"] == statuses["Bb"] == BrandStatus.IGNORED
    assert set(Brand.objects.filter(merged_into=target).values_list("name", flat=True)) == {
        "Cc",
        "Dd",
    }
    assert Mention.objects.get().brand == target


def test_bulk_review_refuses_a_merge_into_one_of_the_brands_or_another_org(org_a, org_b, alice):
    a, b = track(org_a, "Aa"), track(org_a, "Bb")
    theirs = track(org_b, "Cc")

    with pytest.raises(ValidationError):
        brands_review(organization=org_a, brands=[a, b], action="merge", target=a, actor=alice)
    with pytest.raises(ValidationError):
        brands_review(organization=org_a, brands=[theirs], action="ignore", actor=alice)

    assert not Brand.objects.filter(merged_into__isnull=False).exists()
    theirs.refresh_from_db()
    assert theirs.status == BrandStatus.TRACKED


def test_groups_are_created_renamed_and_deleted_without_their_brands(org_a, alice):
    clients = brand_group_create(organization=org_a, name="clients")
    brand, _ = brand_create_tracked(organization=org_a, actor=alice, name="Acme", groups=[clients])

    brand_group_rename(group=clients, name="Key clients")
    count = brand_group_delete(group=clients)

    assert count == 1
    assert not BrandGroup.objects.exists()
    brand.refresh_from_db()
    assert brand.status == BrandStatus.TRACKED and not brand.groups.exists()


@pytest.mark.parametrize(
    "name, message",
    [
        ("CLIENTS", "There is already a group called “clients”."),
        ("   ", "Enter the group's name."),
        ("g" * 101, "A group name has at most 100 characters."),
    ],
)
def test_a_bad_group_name_is_refused(org_a, name, message):
    brand_group_create(organization=org_a, name="clients")

    with pytest.raises(ValidationError) as error:
        brand_group_create(organization=org_a, name=name)

    assert error.value.message_dict["name"] == [message]
    assert list(BrandGroup.objects.values_list("name", flat=True)) == ["clients"]


def test_the_same_group_name_is_fine_in_another_organization(org_a, org_b):
    brand_group_create(organization=org_a, name="Clients")

    brand_group_create(organization=org_b, name="Clients")

    assert BrandGroup.objects.count() == 2
