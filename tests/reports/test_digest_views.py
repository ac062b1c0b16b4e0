"""The digest pages: templates and schedules in drawers, the live preview, bad input, and
isolation between organizations and members."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.digests.models import DigestSubscription, DigestTemplate
from tests.reports.alert_builders import mention_at
from tests.reports.digest_data import make_subscription, make_template
from tests.reports.page_data import make_brand

pytestmark = pytest.mark.django_db

TEMPLATE_FORM = {
    "name": "Monday brief",
    "sections": ["headline", "top_brands"],
    "columns": ["mentions", "change"],
    "min_confidence": "0.5",
    "top_count": "10",
}


def test_a_member_creates_a_template_and_a_weekly_schedule(org_a, bob, client_for):
    client = client_for(bob)
    response = client.post(reverse("digests:template_create"), TEMPLATE_FORM)
    assert response.status_code == 302
    template = DigestTemplate.objects.get(organization=org_a)
    assert template.sections == ["headline", "top_brands"] and template.created_by == bob

    response = client.post(
        reverse("digests:subscription_create"),
        {
            "template": template.pk,
            "frequency": "weekly",
            "weekday": "0",
            "send_time": "07:30",
            "time_zone": "America/New_York",
            "attach_pdf": "on",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    subscription = DigestSubscription.objects.get()
    assert subscription.user == bob and subscription.attach_pdf
    assert subscription.describe_schedule() == "every Monday at 07:30 (America/New_York)"
    page = client.get(reverse("digests:list")).content.decode()
    assert "Monday brief" in page and "every Monday at 07:30" in page


def test_a_template_with_no_sections_is_refused_with_a_clear_message(org_a, alice, client_for):
    response = client_for(alice).post(
        reverse("digests:template_create"), {**TEMPLATE_FORM, "sections": []}
    )
    assert response.status_code == 200
    assert "Choose at least one section" in response.content.decode()
    assert not DigestTemplate.objects.exists()


def test_the_live_preview_shows_the_unsaved_template_with_names_escaped(org_a, alice, client_for):
    brand = make_brand(org_a, "<script>x</script> Corp")
    mention_at(brand, timezone.now() - timedelta(hours=3))
    response = client_for(alice).post(
        reverse("digests:template_preview"),
        {**TEMPLATE_FORM, "name": "", "sections": ["top_brands", "tracked"]},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "<script>x" not in body and "&lt;script&gt;x&lt;/script&gt; Corp" in body
    assert "<svg" in body and "Tracked-brand mentions" in body and "Headline" not in body

    nothing = client_for(alice).post(
        reverse("digests:template_preview"), {**TEMPLATE_FORM, "sections": []}
    )
    assert "Choose at least one section" in nothing.content.decode()


def test_another_organizations_template_and_schedule_are_404(org_a, alice, charlie, client_for):
    template = make_template(org_a)
    subscription = make_subscription(template, user=alice)
    client = client_for(charlie)
    assert client.get(reverse("digests:template_edit", args=[template.pk])).status_code == 404
    assert (
        client.get(reverse("digests:subscription_edit", args=[subscription.pk])).status_code == 404
    )
    assert "Digest" not in client.get(reverse("digests:list")).content.decode().split("<main")[1]


def test_a_member_neither_sees_anothers_schedule_nor_changes_the_organizations(
    org_a, alice, bob, client_for
):
    template = make_template(org_a, created_by=alice)
    personal = make_subscription(template, user=alice)
    everyone = make_subscription(template)
    client = client_for(bob)
    assert client.get(reverse("digests:subscription_edit", args=[personal.pk])).status_code == 404
    delete = reverse("digests:subscription_delete", args=[everyone.pk])
    assert client.post(delete).status_code == 403
    assert client.post(reverse("digests:template_delete", args=[template.pk])).status_code == 403
    # A member cannot send to everyone: the choice is not offered, and is ignored if posted.
    client.post(
        reverse("digests:subscription_create"),
        {
            "template": template.pk,
            "frequency": "daily",
            "weekday": "0",
            "send_time": "08:00",
            "time_zone": "UTC",
            "for_everyone": "on",
            "enabled": "on",
        },
    )
    assert DigestSubscription.objects.filter(user=bob).count() == 1


def test_a_template_in_use_is_not_deleted(org_a, alice, client_for):
    template = make_template(org_a)
    make_subscription(template, user=alice)
    response = client_for(alice).post(reverse("digests:template_delete", args=[template.pk]))
    assert response.status_code == 200 and "Schedules still send this template" in (
        response.content.decode()
    )
    assert DigestTemplate.objects.filter(pk=template.pk).exists()


def test_a_member_downloads_last_months_digest_of_a_brand_group_as_pdf(
    org_a, bob, charlie, client_for
):
    import io
    from datetime import datetime, time

    from pypdf import PdfReader

    from reports.models import BrandGroup

    group = BrandGroup.objects.create(organization=org_a, name="Clients")
    acme, other = make_brand(org_a, "Acme <Sons>"), make_brand(org_a, "Globex")
    acme.groups.add(group)
    last_month = timezone.localdate().replace(day=1) - timedelta(days=3)
    when = datetime.combine(last_month, time(12), tzinfo=timezone.get_current_timezone())
    mention_at(acme, when, title="Acme story last month")
    mention_at(other, when, title="Globex story last month")
    mention_at(acme, timezone.now(), title="Acme story this month")
    template = make_template(org_a, name="Clients monthly")
    template.groups.add(group)
    url = reverse("digests:template_pdf", args=[template.pk])

    response = client_for(bob).get(url, {"range": "last_month"})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"digest-clients-monthly-{last_month:%Y-%m}" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Acme <Sons>" in text and "Acme story last month" in text
    assert "Globex" not in text and "this month" not in text
    assert client_for(charlie).get(url, {"range": "last_month"}).status_code == 404


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"range": "custom", "date_from": "2026-03-10", "date_to": "2026-03-01"}, "swap the"),
        ({"range": "custom", "date_from": "2016-01-01", "date_to": "2026-01-01"}, "two years"),
        ({"range": "custom"}, "The range is empty"),
        ({"range": "forever"}, "Choose a range"),
    ],
)
def test_a_bad_pdf_range_says_what_is_wrong(org_a, alice, client_for, query, said):
    template = make_template(org_a)
    response = client_for(alice).get(reverse("digests:template_pdf", args=[template.pk]), query)
    assert response.status_code == 400 and said in response.content.decode()
