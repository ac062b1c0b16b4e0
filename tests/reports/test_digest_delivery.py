"""Sending digests for real, through a local SMTP server: HTML with a plain-text part, charts
as inline PNG, the PDF on request, escaped brand names, absolute links, an unsubscribe link
that works without login; "nothing new" unless skipped; a mail server that is down."""

import base64
import io
import re
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from outbound.deliveries import DeliveryStatus
from reports.digests.health import digest_deliveries_item
from reports.digests.message import LOGO_CID
from reports.digests.models import DigestDelivery
from reports.digests.services import deliveries_due, delivery_attempt, digests_dispatch
from tests.harness.smtp_server import free_port
from tests.reports.alert_builders import mention_at
from tests.reports.digest_data import make_subscription, make_template
from tests.reports.page_data import make_brand
from tests.reports.test_digest_logo import LOGO_COLOUR, make_logo

pytestmark = pytest.mark.django_db

SITE = "https://mh.example.com"
# What the email carried (chart PNGs, the PDF), kept to look at.
ARTEFACTS = Path(tempfile.gettempdir()) / "mh-digest-artefacts"
PAGE_ONE = (ARTEFACTS / "digest.pdf", ARTEFACTS / "digest-page-1")
MARKUP_NAME = '<img src=x onerror="alert(1)"> Acme & Sons'


@pytest.fixture(autouse=True)
def _site(settings):
    ARTEFACTS.mkdir(exist_ok=True)
    settings.SITE_URL = SITE
    settings.DIGEST_DELIVERY_ATTEMPTS = 2


def _due_delivery(subscription, now=None):
    """Dispatch the subscription's current period; its one delivery (alice's)."""
    now = now or timezone.now()
    period, _ = subscription.latest_send_at(now)
    type(subscription).objects.filter(pk=subscription.pk).update(
        last_period=period - timedelta(days=7)
    )
    [pk] = digests_dispatch(now=now)
    return DigestDelivery.objects.get(pk=pk)


def _weekly_for(user, org, name="Weekly <b>brief</b>", **values):
    now = timezone.now()
    local = timezone.localtime(now)
    return make_subscription(
        make_template(org, name=name),
        user=user,
        weekday=local.weekday(),
        send_time=(local - timedelta(minutes=1)).time().replace(second=0, microsecond=0),
        time_zone=timezone.get_current_timezone_name(),
        **values,
    )


def test_a_weekly_digest_arrives_with_inline_chart_images_a_text_part_and_the_pdf(
    org_a, alice, smtp_server
):
    brand = make_brand(org_a, MARKUP_NAME)
    for hours in (2, 5, 30):
        mention_at(brand, timezone.now() - timedelta(hours=hours), title=f"{MARKUP_NAME} story")
    logo = make_logo(org_a)
    subscription = _weekly_for(alice, org_a, attach_pdf=True)
    delivery = delivery_attempt(delivery_id=_due_delivery(subscription).pk)

    assert delivery.status == DeliveryStatus.SENT and not delivery.was_empty
    [message] = smtp_server.messages
    assert message["To"] == "alice@example.com"
    assert message["Subject"].startswith("Weekly digest: Weekly <b>brief</b>, Organization A")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    # The brand's markup is text everywhere, never markup.
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Acme &amp; Sons" in html
    assert MARKUP_NAME in text and "3 mentions" in text
    # Absolute links back to the app.
    assert f'href="{SITE}/brands/{brand.pk}/"' in html and f"{SITE}/reports/" in text
    # Each chart is an inline PNG the HTML points to by Content-ID, and so is the logo
    # (tests/reports/test_digest_logo.py has the email's details).
    cids = re.findall(r'src="cid:([^"]+)"', html)
    assert len(cids) == 3 and cids[0] == LOGO_CID
    images = {
        part["Content-ID"].strip("<>"): part.get_content()
        for part in message.walk()
        if part.get_content_type() == "image/png"
    }
    assert set(images) == set(cids)
    assert images.pop(LOGO_CID) == bytes(logo.png)
    for cid, png in images.items():
        (ARTEFACTS / f"{cid.split('@')[0]}.png").write_bytes(png)
        picture = Image.open(io.BytesIO(png))
        assert picture.format == "PNG" and picture.width >= 900
        # Drawn, not blank: some pixels are the bars' blue or the tones' colours.
        assert len(picture.convert("RGB").getcolors(maxcolors=1 << 16)) > 10
    # The email as a person would open it (images in place), kept to look at.
    viewable = html
    for cid, png in [*images.items(), (LOGO_CID, bytes(logo.png))]:
        viewable = viewable.replace(
            f"cid:{cid}", "data:image/png;base64," + base64.b64encode(png).decode()
        )
    (ARTEFACTS / "email.html").write_text(viewable)
    # The PDF, with its text and page numbers; the brand's name as text.
    [pdf] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename().startswith("digest-weekly-bbriefb-")
    (ARTEFACTS / "digest.pdf").write_bytes(pdf.get_content())
    pages = PdfReader(io.BytesIO(pdf.get_content())).pages
    pdf_text = " ".join(page.extract_text() for page in pages)
    # The logo heads the first page: the one raster image (the charts are vector).
    [header] = list(pages[0].images)
    drawn = Image.open(io.BytesIO(header.data)).convert("RGB")
    assert drawn.size == (logo.width, logo.height) and drawn.getpixel((5, 5)) == LOGO_COLOUR
    assert "Organization A" in pdf_text and "Page 1 of" in pdf_text
    assert "Acme & Sons" in pdf_text and "Top brands" in pdf_text
    # Page one as a person sees it (a PNG artefact): the bar chart is drawn in its blue.
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", *PAGE_ONE],
        check=True,
        timeout=120,
    )
    with Image.open(ARTEFACTS / "digest-page-1.png") as page:
        colours = {colour for _, colour in page.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert (0x24, 0x54, 0xD6) in colours
    # One-click unsubscribe for mail clients.
    assert message["List-Unsubscribe"].strip().startswith(f"<{SITE}/digests/unsubscribe/")


def test_the_unsubscribe_link_works_without_login_and_a_tampered_one_is_404(
    org_a, alice, smtp_server
):
    subscription = _weekly_for(alice, org_a)
    delivery_attempt(delivery_id=_due_delivery(subscription).pk)
    [message] = smtp_server.messages
    url = re.search(r"Unsubscribe: (\S+)", message.get_body(("plain",)).get_content())[1]
    path = url.removeprefix(SITE)
    anonymous = Client()

    page = anonymous.get(path)
    assert page.status_code == 200 and b"Stop receiving this digest" in page.content
    subscription.refresh_from_db()
    assert subscription.enabled  # a GET (a mail scanner's prefetch) changes nothing

    assert anonymous.post(path, {"action": "unsubscribe"}).status_code == 200
    subscription.refresh_from_db()
    assert not subscription.enabled
    # Back on: from the next send time, not with the periods missed meanwhile.
    type(subscription).objects.filter(pk=subscription.pk).update(last_period=None)
    assert anonymous.post(path, {"action": "resubscribe"}).status_code == 200
    subscription.refresh_from_db()
    assert subscription.enabled
    assert digests_dispatch(now=timezone.now()) == []
    assert anonymous.get(path[:-3] + "xyz/").status_code == 404


def test_an_empty_period_says_nothing_new_unless_the_member_skips_those(org_a, alice, smtp_server):
    subscription = _weekly_for(alice, org_a)
    delivery = delivery_attempt(delivery_id=_due_delivery(subscription).pk)
    assert delivery.status == DeliveryStatus.SENT and delivery.was_empty
    [message] = smtp_server.messages
    assert "(nothing new)" in message["Subject"]
    assert "Nothing new" in message.get_body(("plain",)).get_content()

    skipping = _weekly_for(alice, org_a, name="Quiet", skip_empty=True)
    skipped = delivery_attempt(delivery_id=_due_delivery(skipping).pk)
    assert skipped.status == DeliveryStatus.SENT and skipped.sent_at is None
    assert "skipped" in skipped.last_error
    assert len(smtp_server.messages) == 1


def test_a_mail_server_that_is_down_is_retried_recorded_and_shown(org_a, alice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    pk = _due_delivery(_weekly_for(alice, org_a)).pk

    first = delivery_attempt(delivery_id=pk)
    assert first.status == DeliveryStatus.PENDING and first.attempts == 1
    assert "ConnectionRefusedError" in first.last_error
    assert first.next_attempt_at > timezone.now()
    assert digest_deliveries_item(timezone.now()).level == "warn"
    # Not due yet: the sweep leaves it; when due, the last attempt fails it for good.
    assert pk not in deliveries_due()
    later = first.next_attempt_at + timedelta(seconds=1)
    assert pk in deliveries_due(now=later)
    last = delivery_attempt(delivery_id=pk, now=later)
    assert last.status == DeliveryStatus.FAILED and last.attempts == 2
    item = digest_deliveries_item(timezone.now())
    assert "1 failed every attempt" in item.reason
    # A redelivered task does nothing more.
    assert delivery_attempt(delivery_id=pk, now=later) is None


def test_unsubscribing_from_the_organizations_digest_leaves_out_only_that_member(org_a, alice, bob):
    from reports.digests.tokens import unsubscribe_token

    everyone = make_subscription(make_template(org_a))
    token = unsubscribe_token(subscription_id=everyone.pk, user_id=bob.pk)

    Client().post(f"/digests/unsubscribe/{token}/", {"action": "unsubscribe"})

    everyone.refresh_from_db()
    assert everyone.enabled and list(everyone.opted_out.all()) == [bob]
    # A token for a member's own schedule does not reach someone else's.
    personal = make_subscription(make_template(org_a), user=alice)
    forged = unsubscribe_token(subscription_id=personal.pk, user_id=bob.pk)
    assert Client().post(f"/digests/unsubscribe/{forged}/").status_code == 404
