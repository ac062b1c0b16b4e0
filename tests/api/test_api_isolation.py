"""Charlie's key (organization B) with organization A's ids: every endpoint is a 404 and
nothing of A changes. The list below is checked against the OpenAPI schema, so an endpoint
added without an isolation case fails here."""

import pytest
from django_celery_beat.models import PeriodicTask

from api.main import api
from contacts.models import BrandContact, EmailDraft, ErasureRecord
from feeds.models import Feed
from jobs.models import Job, JobExecution
from reports.models import (
    BlockedTerm,
    Brand,
    BrandAlias,
    BrandSeparation,
    FeedbackEvent,
    Mention,
)
from tests.jobs.builders import make_job
from tests.reports.page_data import add_mention, make_article, make_brand, make_feed, make_report


@pytest.fixture
def org_a_rows(org_a):
    from django.utils import timezone

    from accounts.models import UsageDaily

    UsageDaily.objects.create(organization=org_a, date=timezone.now().date(), tokens_in=10)
    feed = make_feed(org_a, "Wire")
    brand = make_brand(org_a, "Acme Corp", status="unreviewed")
    other_brand = make_brand(org_a, "Globex", status="tracked")
    alias = BrandAlias.objects.create(
        organization=org_a, brand=brand, alias="Acme", normalized="acme", source="manual"
    )
    report = make_report(make_article(org_a, "/a", feeds=(feed,)))
    mention = add_mention(report, brand)
    job = make_job(org_a, feeds=[feed])
    execution = JobExecution.objects.create(organization=org_a, job=job, task_id="t")
    contact = BrandContact.objects.create(
        organization=org_a, brand=brand, full_name="Jane Roe", email="jane@acme.example"
    )
    draft = EmailDraft.objects.create(
        organization=org_a,
        contact=contact,
        subject="Hello",
        body="Hello Jane",
        template="pitch",
        tone="professional",
        generated_at=contact.created_at,
    )
    return {
        "draft": draft,
        "contact": contact,
        "job": job,
        "execution": execution,
        "feed": feed,
        "brand": brand,
        "other_brand": other_brand,
        "alias": alias,
        "report": report,
        "mention": mention,
    }


def _cases(rows: dict) -> dict[tuple[str, str], tuple[str, object]]:
    """(method, schema path) -> (concrete path with A's ids, body)."""
    brand, feed = rows["brand"].pk, rows["feed"].pk
    job, execution = rows["job"].pk, rows["execution"].pk
    contact, draft = rows["contact"].pk, rows["draft"].pk
    return {
        ("GET", "/api/reports/{report_id}"): (f"/api/reports/{rows['report'].pk}", None),
        ("GET", "/api/mentions/{mention_id}"): (f"/api/mentions/{rows['mention'].pk}", None),
        ("POST", "/api/mentions/{mention_id}/confirm"): (
            f"/api/mentions/{rows['mention'].pk}/confirm",
            None,
        ),
        ("POST", "/api/mentions/{mention_id}/reassign"): (
            f"/api/mentions/{rows['mention'].pk}/reassign",
            {"brand": rows["other_brand"].pk},
        ),
        ("POST", "/api/mentions/{mention_id}/reject"): (
            f"/api/mentions/{rows['mention'].pk}/reject",
            None,
        ),
        ("GET", "/api/brands/{brand_id}"): (f"/api/brands/{brand}", None),
        ("PATCH", "/api/brands/{brand_id}"): (f"/api/brands/{brand}", {"name": "Taken"}),
        ("POST", "/api/brands/{brand_id}/merge"): (
            f"/api/brands/{brand}/merge",
            {"into": rows["other_brand"].pk},
        ),
        ("POST", "/api/brands/{brand_id}/track"): (f"/api/brands/{brand}/track", None),
        ("POST", "/api/brands/{brand_id}/separate"): (
            f"/api/brands/{brand}/separate",
            {"other": rows["other_brand"].pk},
        ),
        ("POST", "/api/brands/{brand_id}/ignore"): (f"/api/brands/{brand}/ignore", None),
        ("POST", "/api/brands/{brand_id}/aliases"): (
            f"/api/brands/{brand}/aliases",
            {"alias": "Acme Group"},
        ),
        ("DELETE", "/api/brands/{brand_id}/aliases/{alias_id}"): (
            f"/api/brands/{brand}/aliases/{rows['alias'].pk}",
            None,
        ),
        ("GET", "/api/feeds/{feed_id}"): (f"/api/feeds/{feed}", None),
        ("PATCH", "/api/feeds/{feed_id}"): (f"/api/feeds/{feed}", {"name": "Taken over"}),
        ("DELETE", "/api/feeds/{feed_id}"): (f"/api/feeds/{feed}", None),
        ("POST", "/api/feeds/{feed_id}/refresh"): (f"/api/feeds/{feed}/refresh", None),
        ("GET", "/api/contacts/{contact_id}"): (f"/api/contacts/{contact}", None),
        ("PATCH", "/api/contacts/{contact_id}"): (f"/api/contacts/{contact}", {"title": "x"}),
        ("GET", "/api/contacts/{contact_id}/export"): (f"/api/contacts/{contact}/export", None),
        ("POST", "/api/contacts/{contact_id}/erase"): (f"/api/contacts/{contact}/erase", {}),
        ("GET", "/api/drafts/{draft_id}"): (f"/api/drafts/{draft}", None),
        ("PATCH", "/api/drafts/{draft_id}"): (
            f"/api/drafts/{draft}",
            {"subject": "s", "body": "b"},
        ),
        ("POST", "/api/drafts/{draft_id}/sent"): (f"/api/drafts/{draft}/sent", None),
        ("DELETE", "/api/drafts/{draft_id}"): (f"/api/drafts/{draft}", None),
        ("GET", "/api/jobs/{job_id}"): (f"/api/jobs/{job}", None),
        ("PATCH", "/api/jobs/{job_id}"): (f"/api/jobs/{job}", {"name": "Taken over"}),
        ("DELETE", "/api/jobs/{job_id}"): (f"/api/jobs/{job}", None),
        ("POST", "/api/jobs/{job_id}/run"): (f"/api/jobs/{job}/run", None),
        ("POST", "/api/jobs/{job_id}/pause"): (f"/api/jobs/{job}/pause", None),
        ("POST", "/api/jobs/{job_id}/resume"): (f"/api/jobs/{job}/resume", None),
        ("GET", "/api/jobs/{job_id}/executions"): (f"/api/jobs/{job}/executions", None),
        ("GET", "/api/executions/{execution_id}"): (f"/api/executions/{execution}", None),
        ("POST", "/api/executions/{execution_id}/retry"): (
            f"/api/executions/{execution}/retry",
            None,
        ),
        ("POST", "/api/executions/{execution_id}/cancel"): (
            f"/api/executions/{execution}/cancel",
            None,
        ),
    }


# Lists take A's ids as filters: they answer 200 with nothing of A.
LIST_FILTERS = {
    "/api/reports": lambda rows: {"brand": rows["brand"].pk, "feed": rows["feed"].pk},
    "/api/mentions": lambda rows: {"brand": rows["brand"].pk, "report": rows["report"].pk},
    "/api/brands": lambda rows: {"q": "Acme"},
    "/api/feeds": lambda rows: {"q": "Wire"},
    "/api/jobs": lambda rows: {"q": "Morning"},
    "/api/contacts": lambda rows: {"q": "Jane", "brand": rows["brand"].pk},
    "/api/drafts": lambda rows: {"contact": rows["contact"].pk},
    # Usage names no id: test_usage_api.py checks it holds only the key's organization.
    "/api/usage": lambda rows: {},
}


def _schema_operations() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


def _snapshot(org_a) -> list:
    from accounts.models import UsageDaily

    return [
        list(Brand.objects.filter(organization=org_a).values()),
        list(BrandAlias.objects.filter(organization=org_a).values()),
        list(Feed.objects.filter(organization=org_a).values()),
        FeedbackEvent.objects.filter(organization=org_a).count(),
        list(Mention.objects.filter(organization=org_a).values()),
        BlockedTerm.objects.filter(organization=org_a).count(),
        BrandSeparation.objects.filter(organization=org_a).count(),
        list(UsageDaily.objects.filter(organization=org_a).values()),
        list(Job.objects.filter(organization=org_a).values()),
        list(BrandContact.objects.filter(organization=org_a).values()),
        ErasureRecord.objects.count(),
        list(EmailDraft.objects.filter(organization=org_a).values()),
        list(JobExecution.objects.filter(organization=org_a).values()),
        list(PeriodicTask.objects.filter(name__startswith="job:").values("name", "enabled")),
    ]


def test_every_endpoint_is_covered_here(org_a_rows):
    covered = set(_cases(org_a_rows)) | {("GET", path) for path in LIST_FILTERS}
    # Creating names no row of A in its path: checked below to land in B, and to refuse A's
    # ids in its body.
    covered |= {
        ("POST", "/api/feeds"),
        ("POST", "/api/brands"),
        ("POST", "/api/jobs"),
        ("POST", "/api/contacts"),
        # A file of charlie's own, and a token of alice's: test_contacts_api.py.
        ("POST", "/api/contacts/import"),
        ("POST", "/api/contacts/import/confirm"),
        ("POST", "/api/drafts"),
        ("POST", "/api/feeds/test"),
    }
    assert _schema_operations() == covered


def test_charlie_reads_and_writes_nothing_of_organization_a(
    settings, org_a, org_a_rows, charlie_api
):
    # More requests than a key's burst: the limiter has its own tests.
    settings.API_KEY_REQUESTS_PER_MINUTE = 0
    before = _snapshot(org_a)
    for (method, _path), (path, body) in _cases(org_a_rows).items():
        call = getattr(charlie_api, method.lower())
        response = call(path, body) if body is not None else call(path)
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["error"]["code"] == "not_found"
    for path, params in LIST_FILTERS.items():
        response = charlie_api.get(path, params(org_a_rows))
        assert response.status_code == 200, path
        body = response.json()
        assert body["days" if path == "/api/usage" else "items"] == [], path
    assert _snapshot(org_a) == before


def test_a_feed_charlie_creates_is_his_organizations(org_a, org_b, charlie_api):
    response = charlie_api.post("/api/feeds", {"name": "Mine", "url": "https://b.example/rss"})
    assert response.status_code == 201, response.content
    assert Feed.objects.get(pk=response.json()["id"]).organization == org_b
    assert not Feed.objects.filter(organization=org_a).exists()


def test_charlie_cannot_name_organization_a_rows_in_a_body(org_a, org_b, org_a_rows, charlie_api):
    from reports.models import Industry

    before = _snapshot(org_a)
    industry = Industry.objects.create(organization=org_a, name="Retail")
    own = charlie_api.post("/api/brands", {"name": "Initech"})
    assert own.status_code == 201, own.content
    attempts = [
        charlie_api.post("/api/brands", {"name": "Hooli", "industry": industry.pk}),
        charlie_api.patch(f"/api/brands/{own.json()['id']}", {"industry": industry.pk}),
        charlie_api.post(f"/api/brands/{own.json()['id']}/merge", {"into": org_a_rows["brand"].pk}),
    ]
    for response in attempts:
        assert response.status_code == 422, response.content
        assert "this organization" in response.json()["error"]["message"]
    assert not Brand.objects.filter(organization=org_b, name="Hooli").exists()
    assert not Job.objects.filter(organization=org_b).exists()
    assert Brand.objects.get(pk=own.json()["id"]).merged_into is None
    assert _snapshot(org_a) == before
