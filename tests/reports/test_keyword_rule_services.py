"""Keyword rule services: what they accept, what they refuse (and that a refusal changes
nothing), and which rules apply to which article."""

import pytest
from django.core.exceptions import ValidationError

from reports.models import KeywordRule
from reports.services.keyword_rules import (
    compiled_rules,
    keyword_rule_create,
    keyword_rule_delete,
    keyword_rule_preview,
    keyword_rule_set_enabled,
    keyword_rule_update,
)
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job
from tests.reports.analysis_data import make_article

pytestmark = pytest.mark.django_db


def a_job(organization, name="Morning run"):
    make_feed(organization, f"https://news.example/{organization.pk}/{name}.xml", name=name)
    return make_job(organization, name=name)


def test_a_rule_is_saved_with_its_expressions_trimmed(org_a):
    rule = keyword_rule_create(
        organization=org_a, name="  Cars ", include=" tesla OR ford ", exclude="recall "
    )

    rule.refresh_from_db()
    assert (rule.name, rule.include, rule.exclude, rule.enabled, rule.job) == (
        "Cars",
        "tesla OR ford",
        "recall",
        True,
        None,
    )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"include": "(tesla OR ford"}, "include", "This parenthesis is never closed (position 1)"),
        ({"exclude": "recall AND"}, "exclude", "AND needs a term after it (position 8)"),
        ({"include": 'tesla ""'}, "include", "This phrase is empty (position 7)"),
        ({"name": ""}, "name", "This field cannot be blank."),
        ({"name": "x" * 101}, "name", "at most 100 characters"),
        ({"include": "tesla OR " * 230}, "include", "longer than 2,000 characters"),
    ],
)
def test_a_bad_rule_is_refused_with_a_message_and_nothing_is_saved(org_a, values, field, message):
    arguments = {"organization": org_a, "name": "Cars", "include": "tesla", **values}

    with pytest.raises(ValidationError) as caught:
        keyword_rule_create(**arguments)

    assert any(message in text for text in caught.value.message_dict[field])
    assert not KeywordRule.objects.exists()


def test_two_rules_cannot_share_a_name(org_a, org_b):
    keyword_rule_create(organization=org_a, name="Cars", include="tesla")
    keyword_rule_create(organization=org_b, name="Cars", include="ford")  # Another org: fine.

    with pytest.raises(ValidationError) as caught:
        keyword_rule_create(organization=org_a, name="Cars", include="bmw")

    assert "A rule with this name already exists; choose another." in caught.value.messages
    assert KeywordRule.objects.filter(organization=org_a).count() == 1


def test_a_rule_cannot_belong_to_another_organizations_job(org_a, org_b):
    charlies_job = a_job(org_b)

    with pytest.raises(ValidationError) as caught:
        keyword_rule_create(organization=org_a, name="Cars", include="tesla", job=charlies_job)

    assert caught.value.message_dict["job"] == ["Choose one of your organization's jobs."]
    assert not KeywordRule.objects.exists()


def test_a_refused_update_leaves_the_rule_as_it_was(org_a):
    rule = keyword_rule_create(organization=org_a, name="Cars", include="tesla")

    with pytest.raises(ValidationError):
        keyword_rule_update(
            rule=rule,
            name="Trucks",
            include="tesla NEAR recall",
            exclude="",
            enabled=False,
            job=None,
        )

    assert (rule.name, rule.include, rule.enabled) == ("Cars", "tesla", True)
    rule.refresh_from_db()
    assert (rule.name, rule.include, rule.enabled) == ("Cars", "tesla", True)


def test_an_update_saves_every_field(org_a):
    job = a_job(org_a)
    rule = keyword_rule_create(organization=org_a, name="Cars", include="tesla")

    keyword_rule_update(
        rule=rule, name="EVs", include="electri*", exclude="toy", enabled=False, job=job
    )

    rule.refresh_from_db()
    assert (rule.name, rule.include, rule.exclude, rule.enabled, rule.job) == (
        "EVs",
        "electri*",
        "toy",
        False,
        job,
    )


def test_only_enabled_rules_of_the_organization_and_the_analysing_job_apply(org_a, org_b):
    morning, evening = a_job(org_a), a_job(org_a, "Evening")
    keyword_rule_create(organization=org_a, name="Org-wide", include="tesla")
    off = keyword_rule_create(organization=org_a, name="Off", include="ford")
    keyword_rule_set_enabled(rule=off, enabled=False)
    keyword_rule_create(organization=org_a, name="Morning only", exclude="recall", job=morning)
    keyword_rule_create(organization=org_a, name="Evening only", exclude="sale", job=evening)
    keyword_rule_create(organization=org_b, name="Charlie's", include="bmw")

    assert [r.name for r in compiled_rules(org_a.pk)] == ["Org-wide"]
    assert [r.name for r in compiled_rules(org_a.pk, morning.pk)] == ["Org-wide", "Morning only"]


def test_deleting_a_rule_removes_only_the_rule(org_a):
    rule = keyword_rule_create(organization=org_a, name="Cars", include="tesla")
    keyword_rule_delete(rule=rule)
    assert not KeywordRule.objects.exists()


def test_the_preview_counts_the_latest_articles_a_rule_lets_through(org_a, org_b):
    make_article(org_a, n=1, title="Tesla recalls cars", text="Tesla recalls 300,000 cars.")
    make_article(org_a, n=2, title="Ford results", text="Ford posted results.")
    make_article(org_a, n=3, title="Tesla sales", text="Tesla sales rose.")
    make_article(org_b, n=4, title="Tesla in B", text="Charlie's Tesla article.")

    preview = keyword_rule_preview(
        organization=org_a, include="tesla OR ford", exclude="recall*", job=None
    )

    assert (preview.matched, preview.total) == (2, 3)
    assert preview.titles == ["Tesla sales", "Ford results"]


def test_a_job_rules_preview_reads_only_the_articles_of_the_jobs_feeds(org_a):
    from feeds.models import ArticleFeed

    wire = make_feed(org_a, "https://news.example/wire.xml", name="Wire")
    blog = make_feed(org_a, "https://news.example/blog.xml", name="Blog")
    job = make_job(org_a, feeds=[wire])
    on_wire = make_article(org_a, n=1, title="Tesla on the wire", text="Tesla news.")
    on_blog = make_article(org_a, n=2, title="Tesla on the blog", text="Tesla news.")
    ArticleFeed.objects.create(article=on_wire, feed=wire)
    ArticleFeed.objects.create(article=on_blog, feed=blog)

    preview = keyword_rule_preview(organization=org_a, include="tesla", exclude="", job=job)

    assert (preview.matched, preview.total, preview.titles) == (1, 1, ["Tesla on the wire"])


def test_a_stored_rule_that_no_longer_parses_is_skipped_not_fatal(org_a, caplog):
    keyword_rule_create(organization=org_a, name="Good", include="tesla")
    broken = keyword_rule_create(organization=org_a, name="Broken", include="ford")
    KeywordRule.objects.filter(pk=broken.pk).update(include="(ford")  # Written around clean().

    assert [rule.name for rule in compiled_rules(org_a.pk)] == ["Good"]
    assert "Keyword rule" in caplog.text and "never closed" in caplog.text
