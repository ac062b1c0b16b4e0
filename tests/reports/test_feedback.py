"""Feedback changes the next extraction: each test re-runs the analysis and sees the change."""

import pytest
from django.core.exceptions import ValidationError

from reports.models import (
    BlockedTerm,
    Brand,
    BrandAlias,
    BrandStatus,
    FeedbackEvent,
    Mention,
    ReviewStatus,
)
from reports.services.analyse import AnalysisOptions, report_analyse
from reports.services.feedback import (
    brand_alias_add,
    brand_merge,
    brand_separate,
    mention_confirm,
    mention_reassign,
    mention_reject,
)
from reports.services.resolution import Resolver
from tests.reports.analysis_data import make_article, track

pytestmark = pytest.mark.django_db

RERUN = AnalysisOptions(reanalyse=True)


@pytest.fixture(autouse=True)
def rules_only(settings):
    settings.OPENAI_API_KEY = None
    settings.OPENAI_BASE_URL = None


def brands_in(report) -> set[str]:
    return set(report.mentions.values_list("brand__name", flat=True))


def test_a_rejected_surface_form_is_never_reported_again(org_a, alice):
    article = make_article(org_a)
    report = report_analyse(article=article)
    globex = report.mentions.get(brand__name="Globex")

    mention_reject(mention=globex, actor=alice)
    rerun = report_analyse(article=article, options=RERUN)

    assert "Globex" not in brands_in(rerun)
    assert BlockedTerm.objects.filter(organization=org_a, normalized="globex").exists()
    event = FeedbackEvent.objects.get(action="reject")
    assert event.actor == alice and event.created_at is not None


def test_a_rejection_in_one_organization_does_not_affect_another(org_a, org_b, alice):
    report = report_analyse(article=make_article(org_a))
    mention_reject(mention=report.mentions.get(brand__name="Globex"), actor=alice)

    other = report_analyse(article=make_article(org_b, n=2))

    assert "Globex" in brands_in(other)


def test_this_is_actually_brand_x_adds_an_alias_used_next_time(org_a, alice):
    acme = track(org_a, "Acme Holdings")
    article = make_article(org_a)
    globex = report_analyse(article=article).mentions.get(brand__name="Globex")

    mention_reassign(mention=globex, brand=acme, actor=alice)
    rerun = report_analyse(article=article, options=RERUN)

    assert "Acme Holdings" in brands_in(rerun) and "Globex" not in brands_in(rerun)
    assert BrandAlias.objects.get(brand=acme).source == "feedback"
    mention = rerun.mentions.get(brand=acme)
    assert mention.surface.startswith("Globex")


def test_confirming_a_discovered_brand_makes_the_rules_track_it(org_a, alice):
    first = report_analyse(article=make_article(org_a))
    mention = first.mentions.get(brand__name="Globex")

    mention_confirm(mention=mention, actor=alice)
    # Without the corporate cues, only a tracked brand is found.
    later = report_analyse(
        article=make_article(org_a, n=2, text="Shoppers queued outside Globex stores all day.")
    )

    mention.refresh_from_db()
    assert mention.review_status == ReviewStatus.CONFIRMED and mention.reviewed_by == alice
    assert Brand.objects.get(name="Globex").status == BrandStatus.TRACKED
    assert "Globex" in brands_in(later)


def test_merging_moves_mentions_and_aliases_and_resolves_the_old_name_to_the_target(org_a, alice):
    nike = track(org_a, "Nike")
    swoosh = track(org_a, "Swoosh Inc")
    brand_alias_add(brand=swoosh, alias="Swoosh Shoes", actor=alice)
    report = report_analyse(
        article=make_article(org_a, text="Swoosh Inc said sales rose 5 percent.")
    )
    assert "Swoosh Inc" in brands_in(report)

    brand_merge(source=swoosh, target=nike, actor=alice)
    rerun = report_analyse(article=report.article, options=RERUN)

    swoosh.refresh_from_db()
    assert swoosh.merged_into == nike
    assert brands_in(rerun) == {"Nike"}
    aliases = set(BrandAlias.objects.filter(brand=nike).values_list("normalized", flat=True))
    assert aliases == {"swoosh", "swoosh shoes"}
    assert Mention.objects.filter(brand=swoosh).count() == 0


def test_merging_a_brand_into_itself_or_another_organization_is_refused(org_a, org_b, alice):
    nike = track(org_a, "Nike")
    other = track(org_b, "Nike")

    with pytest.raises(ValidationError):
        brand_merge(source=nike, target=nike, actor=alice)
    with pytest.raises(ValidationError):
        brand_merge(source=nike, target=other, actor=alice)


def test_brands_kept_apart_are_not_fuzzy_matched(org_a, alice):
    acme = track(org_a, "Acme Foods")
    acmes = track(org_a, "Acme Food")
    brand_separate(brand=acme, other=acmes, actor=alice)

    resolver = Resolver(org_a)

    assert resolver.kept_apart(acme, acmes)
    assert resolver.resolve("Acme Foods") == acme
    assert resolver.resolve("Acme Food") == acmes


def test_resolution_matches_keys_aliases_and_close_spellings(org_a, alice):
    adidas = track(org_a, "Adidas")
    meta = track(org_a, "Meta Platforms")
    brand_alias_add(brand=meta, alias="Facebook", actor=alice)
    resolver = Resolver(org_a)

    assert resolver.resolve("adidas AG") == adidas
    assert resolver.resolve("Facebook") == meta
    assert resolver.resolve("Adidass") == adidas  # Fuzzy, above the threshold.
    new = resolver.resolve("Initech")
    assert new.status == BrandStatus.UNREVIEWED and new.organization == org_a


def test_an_alias_that_names_another_brand_is_refused(org_a, alice):
    nike = track(org_a, "Nike")
    track(org_a, "Adidas")

    with pytest.raises(ValidationError, match="another brand"):
        brand_alias_add(brand=nike, alias="Adidas", actor=alice)
