"""Share links end to end: made from the Analytics page and a digest template, opened by a
client with no account and no cookie, showing exactly what the signed-in pages show for the
same filters, for the link's organization only; revoked, expired, tampered and unknown
tokens all get the same 404; nothing else of the app opens without a login."""

import base64
import io
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from lxml import html
from PIL import Image

from accounts.logo import redraw
from accounts.models import OrganizationLogo
from reports.models import BrandGroup
from reports.shares.models import ShareKind, ShareLink
from reports.shares.services import share_link_create, token_digest
from tests.reports.digest_data import make_template
from tests.reports.page_data import (
    add_mention,
    make_article,
    make_brand,
    make_feed,
    make_industry,
    make_report,
)

pytestmark = pytest.mark.django_db

ANALYTICS = reverse("analytics:page")
MARCH = {"range": "custom", "date_from": "2026-03-01", "date_to": "2026-03-10"}
HOSTILE = '<script>alert(1)</script>" onmouseover="x'
CHARTS = ["mentions", "sentiment", "share", "sources", "heat"]


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 12, tzinfo=UTC)


@pytest.fixture
def data(org_a, org_b):
    cars = make_industry(org_a, "Automotive")
    acme = make_brand(org_a, "Acme Corp", industry=cars)
    globex = make_brand(org_a, "Globex", industry=make_industry(org_a, "Retail"))
    hostile = make_brand(org_a, HOSTILE)
    wire, daily = make_feed(org_a, "Wire"), make_feed(org_a, "Daily")
    group = BrandGroup.objects.create(organization=org_a, name="Competitors")
    acme.groups.add(group)
    globex.groups.add(group)

    def story(organization, path, day, feeds, *mentions):
        report = make_report(make_article(organization, path, published_at=at(day), feeds=feeds))
        for brand, sentiment in mentions:
            add_mention(report, brand, sentiment=sentiment, mentioned_at=at(day))

    story(org_a, "/1", 1, (wire,), (acme, 0.5), (globex, -0.5))
    story(org_a, "/2", 2, (wire, daily), (acme, 0.0))
    story(org_a, "/3", 5, (daily,), (acme, -0.3), (hostile, 0.2))
    # Organization B: a brand named like A's, mentioned far more, in its own feed.
    umbrella = make_brand(org_b, "Umbrella")
    their_acme = make_brand(org_b, "Acme Corp")
    theirs = make_feed(org_b, "Their wire")
    for day in (1, 2, 3):
        story(org_b, f"/b{day}", day, (theirs,), (umbrella, 0.9), (their_acme, 0.9))
    return {"acme": acme, "globex": globex, "group": group, "umbrella": umbrella, "b": their_acme}


def doc(response):
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.content.decode())


def table(page, key: str) -> list[list[str]]:
    rows = page.xpath(f"//section[@id='chart-{key}']//table//tr")
    return [[" ".join(cell.text_content().split()) for cell in row.xpath("th|td")] for row in rows]


def signed_in_tables(client, query: dict) -> dict[str, list[list[str]]]:
    """Every chart's numbers as the signed-in Analytics page shows them (the deferred ones
    asked for as the page's own no-JavaScript links ask)."""
    page = doc(client.get(ANALYTICS, query))
    found = {key: table(page, key) for key in ("mentions", "sentiment", "share")}
    for key in ("sources", "heat", "share"):
        lazy = doc(client.get(ANALYTICS, {**query, "chart": key}))
        found[key] = table(lazy, key)
    return found


def share(client, query: dict, *, days: int = 30, title: str = "For the client") -> str:
    """Make a link from the Analytics page's Share drawer; the absolute URL it shows."""
    response = client.post(
        reverse("shares:analytics") + "?" + _encode(query), {"title": title, "days": days}
    )
    page = doc(response)
    url = page.xpath("//input[@id='share-url']/@value")
    assert url, response.content.decode()[:2000]
    return url[0]


def _encode(query: dict) -> str:
    return urlencode(query, doseq=True)


def test_a_shared_analytics_view_shows_a_logged_out_client_what_members_see(
    client_for, alice, data, caplog
):
    member = client_for(alice)
    query = {**MARCH, "brand": [data["acme"].pk, data["globex"].pk, data["b"].pk]}
    expected = signed_in_tables(member, query)
    assert expected["mentions"][1] == ["1 Mar 2026", "1", "1"]  # org B's Acme is not there

    with caplog.at_level(logging.INFO, logger="reports.shares"):
        url = share(member, query)
    assert url.startswith("http://testserver/s/")
    assert any("created by alice" in r.getMessage() for r in caplog.records)

    stranger = Client()
    response = stranger.get(url)
    page = doc(response)
    for key in ("mentions", "sentiment", "share", "sources", "heat"):
        assert table(page, key) == expected[key], key
    text = page.text_content()
    assert "Acme Corp" in text and "Umbrella" not in text and "Their wire" not in text
    # A dead end: no link into the app, no form, no script, no cookie, not indexed.
    assert page.xpath("//a") == [] and page.xpath("//form") == [] and page.xpath("//script") == []
    assert page.xpath("//meta[@name='robots']/@content") == ["noindex, nofollow"]
    assert response.cookies == {} and not stranger.cookies
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert org_name_shown(page, alice)
    link = ShareLink.objects.get()
    assert (link.view_count, link.kind, link.params["brand"]) == (
        1,
        ShareKind.ANALYTICS,
        [str(data["acme"].pk), str(data["globex"].pk), str(data["b"].pk)],
    )
    assert link.last_viewed_at is not None and link.token_hash != url.rsplit("/", 2)[-2]
    assert link.token_hash == token_digest(url.rsplit("/", 2)[-2])


def org_name_shown(page, user) -> bool:
    name = user.memberships.get().organization.name
    return page.xpath("string(//p[@class='shared-org'])") == name


def test_revoked_expired_tampered_and_unknown_links_get_the_same_404(client_for, alice, data):
    member = client_for(alice)
    url = share(member, MARCH)
    path = url.removeprefix("http://testserver")
    token = path.split("/")[2]
    stranger = Client()
    assert stranger.get(path).status_code == 200
    tampered = path.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    unknown = reverse("share_page", args=["x" * 43])
    bodies = {stranger.get(p).content for p in (tampered, unknown, "/s/%00%ff/")}

    link = ShareLink.objects.get()
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = stranger.get(path)
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert stranger.get(path).status_code == 200

    response = member.post(reverse("shares:revoke", args=[link.pk]), follow=True)
    assert "no longer opens" in response.content.decode()
    revoked = stranger.get(path)
    for response in (expired, revoked):
        assert response.status_code == 404
        bodies.add(response.content)
    assert len(bodies) == 1 and b"does not work" in bodies.pop()
    assert stranger.get(tampered).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at and link.revoked_by == alice and link.view_count == 2


def test_no_other_page_of_the_app_opens_without_a_login(client_for, alice, data):
    url = share(client_for(alice), MARCH)
    stranger = Client()
    assert stranger.get(url).status_code == 200
    link = ShareLink.objects.get()
    for path in (
        "/",
        ANALYTICS,
        reverse("shares:list"),
        reverse("shares:analytics"),
        reverse("brands:detail", args=[data["acme"].pk]),
        reverse("digests:list"),
        reverse("alerts:list"),
    ):
        response = stranger.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path
    assert stranger.post(reverse("shares:revoke", args=[link.pk])).status_code in (302, 403)
    assert stranger.post(url).status_code == 405  # nothing on the page writes
    assert stranger.get("/static/css/app.css").status_code == 200
    link.refresh_from_db()
    assert link.revoked_at is None


def test_links_belong_to_their_organization(client_for, alice, charlie, data, org_b):
    # B's own link shows B's numbers only, whatever ids A's brands have.
    _, token = share_link_create(
        organization=org_b,
        actor=charlie,
        kind=ShareKind.ANALYTICS,
        title="B",
        params={**{k: [v] for k, v in MARCH.items()}, "brand": [str(data["acme"].pk)]},
        days=7,
    )
    page = doc(Client().get(reverse("share_page", args=[token])))
    assert "Nothing to chart" in page.text_content()  # A's brand id is ignored, not shown
    page = doc(
        Client().get(
            reverse(
                "share_page",
                args=[
                    share_link_create(
                        organization=org_b,
                        actor=charlie,
                        kind=ShareKind.ANALYTICS,
                        title="B default",
                        params={k: [v] for k, v in MARCH.items()},
                        days=7,
                    )[1]
                ],
            )
        )
    )
    assert table(page, "mentions")[0] == ["Day", "Umbrella", "Acme Corp"]
    assert table(page, "mentions")[1] == ["1 Mar 2026", "1", "1"]
    assert "Globex" not in page.text_content()
    # A's members neither see nor revoke B's links; B's see theirs.
    link = ShareLink.objects.filter(organization=org_b).first()
    member = client_for(alice)
    assert "B default" not in member.get(reverse("shares:list")).content.decode()
    assert member.post(reverse("shares:revoke", args=[link.pk])).status_code == 404
    assert "B default" in client_for(charlie).get(reverse("shares:list")).content.decode()
    # A template of B cannot be shared from A.
    theirs = make_template(org_b)
    assert member.get(reverse("shares:digest", args=[theirs.pk])).status_code == 404


def test_a_shared_digest_shows_the_template_without_contacts_or_app_links(
    client_for, alice, org_a, data
):
    recent = timezone.now() - timedelta(days=1)
    report = make_report(make_article(org_a, "/fresh", published_at=recent))
    add_mention(report, data["acme"], mentioned_at=recent, confidence=0.9)
    template = make_template(org_a, name="Weekly for client")
    member = client_for(alice)
    drawer = doc(member.get(reverse("shares:digest", args=[template.pk])))
    assert drawer.xpath("//input[@name='title']/@value") == ["Weekly for client"]

    response = member.post(
        reverse("shares:digest", args=[template.pk]),
        {"title": "Weekly for client", "days": 7, "range": "7d"},
    )
    url = doc(response).xpath("//input[@id='share-url']/@value")[0]
    page = doc(Client().get(url))
    text = page.text_content()
    assert "Headline numbers" in text and "Top brands" in text and "Acme Corp" in text
    assert "New contacts" not in text
    # Only the article itself is linked (another site), never a page of the app.
    hrefs = page.xpath("//a/@href")
    assert hrefs and all(h.startswith("http") and "testserver" not in h for h in hrefs)
    assert page.xpath("//a/@rel") == ["noopener noreferrer"] * len(hrefs)
    link = ShareLink.objects.get()
    assert link.expires_at - link.created_at < timedelta(days=7, minutes=1)
    # The template deleted: the link is dead, and still listed.
    template.delete()
    assert Client().get(url).status_code == 404
    assert "template deleted" in member.get(reverse("shares:list")).content.decode()


def test_bad_input_is_said_in_the_drawer_and_makes_no_link(client_for, alice, org_a):
    member = client_for(alice)
    template = make_template(org_a)
    response = member.post(
        reverse("shares:digest", args=[template.pk]),
        {"title": "x", "days": 365, "range": "custom", "date_from": "2026-03-10"},
    )
    page = doc(response)
    errors = " ".join(page.xpath("//p[@class='field-error']/text()"))
    assert "365 is not one of the available choices" in errors
    assert page.xpath("//input[@name='date_from']/@value") == ["2026-03-10"]  # nothing lost
    response = member.post(reverse("shares:analytics"), {"title": "", "days": 7})
    assert "This field is required" in response.content.decode()
    # An Analytics view with wrong dates is not shared (the page would show other dates).
    bad = {"range": "custom", "date_from": "2026-03-10", "date_to": "2026-03-01"}
    response = member.post(
        reverse("shares:analytics") + "?" + _encode(bad), {"title": "t", "days": 7}
    )
    assert "Fix the Analytics page&#x27;s dates first" in response.content.decode()
    assert not ShareLink.objects.exists()


def test_views_are_rate_limited_per_address(client_for, alice, data, settings):
    settings.SHARE_LINK_VIEWS_PER_MINUTE = 2
    url = share(client_for(alice), MARCH)
    stranger = Client()
    assert [stranger.get(url).status_code for _ in range(3)] == [200, 200, 429]
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.get(url).status_code == 200


def test_revoking_is_logged_once(client_for, alice, data, caplog):
    member = client_for(alice)
    share(member, MARCH)
    link = ShareLink.objects.get()
    with caplog.at_level(logging.INFO, logger="reports.shares"):
        member.post(reverse("shares:revoke", args=[link.pk]))
        member.post(reverse("shares:revoke", args=[link.pk]))
    revoked = [r for r in caplog.records if "revoked by alice" in r.getMessage()]
    assert len(revoked) == 1 and revoked[0].organization_id == link.organization_id


def test_operators_revoke_from_the_admin_and_never_see_the_token(admin_client, org_a, alice):
    link, token = share_link_create(
        organization=org_a, actor=alice, kind=ShareKind.ANALYTICS, title="Ops", params={}, days=7
    )
    listing = admin_client.get(reverse("admin:reports_sharelink_changelist")).content.decode()
    assert "Ops" in listing and link.token_hash not in listing
    detail = admin_client.get(reverse("admin:reports_sharelink_change", args=[link.pk]))
    assert link.token_hash not in detail.content.decode()
    admin_client.post(
        reverse("admin:reports_sharelink_changelist"),
        {"action": "revoke", "_selected_action": [link.pk]},
    )
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert Client().get(reverse("share_page", args=[token])).status_code == 404


def test_the_page_shows_its_organizations_logo_inline_and_no_other(org_a, org_b, alice, charlie):
    raw = io.BytesIO()
    Image.new("RGB", (120, 40), (200, 0, 0)).save(raw, format="PNG")
    png, width, height = redraw(raw.getvalue())
    OrganizationLogo.objects.create(
        organization=org_a, png=png, width=width, height=height, sha256="x"
    )
    ours = share_link_create(
        organization=org_a, actor=alice, kind=ShareKind.ANALYTICS, title="A", params={}, days=7
    )[1]
    theirs = share_link_create(
        organization=org_b, actor=charlie, kind=ShareKind.ANALYTICS, title="B", params={}, days=7
    )[1]
    page = doc(Client().get(reverse("share_page", args=[ours])))
    assert page.xpath("//img/@src") == ["data:image/png;base64," + base64.b64encode(png).decode()]
    assert doc(Client().get(reverse("share_page", args=[theirs]))).xpath("//img") == []
