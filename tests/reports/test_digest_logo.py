"""The organization's logo in its digest email: an inline image (Content-ID) at the top, in
the HTML's multipart/related part, its alternative text the organization's name, escaped. (The
PDF's header image is checked by the delivery test, which renders the PDF anyway.)"""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from accounts.logo import redraw
from accounts.models import OrganizationLogo
from reports.digests.content import digest_build
from reports.digests.message import LOGO_CID, digest_email
from tests.reports.alert_builders import mention_at
from tests.reports.digest_data import make_subscription, make_template
from tests.reports.page_data import make_brand

pytestmark = pytest.mark.django_db

MARKUP = '<b onmouseover="x()">Acme</b> & "Sons"'


LOGO_COLOUR = (0xD6, 0x24, 0x54)


def make_logo(organization) -> OrganizationLogo:
    """A 400 x 120 logo of one colour, stored as the upload service stores it."""
    picture = io.BytesIO()
    Image.new("RGB", (400, 120), LOGO_COLOUR).save(picture, format="PNG")
    png, width, height = redraw(picture.getvalue())
    return OrganizationLogo.objects.create(
        organization=organization, png=png, width=width, height=height, sha256="x"
    )


def _digest(organization, subscription):
    brand = make_brand(organization, "Globex")
    mention_at(brand, timezone.now() - timedelta(hours=3))
    end = timezone.now()
    return digest_build(
        template=subscription.template,
        organization=organization,
        start=end - timedelta(days=7),
        end=end,
        time_zone="UTC",
    )


def test_the_digest_email_carries_the_logo_inline_and_the_name_escaped(org_a, alice):
    org_a.name = MARKUP
    org_a.save(update_fields=["name"])
    logo = make_logo(org_a)
    subscription = make_subscription(make_template(org_a), user=alice)
    message = digest_email(
        content=_digest(org_a, subscription),
        subscription=subscription,
        user_id=alice.pk,
        recipient="alice@example.com",
    ).message()

    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    html = html.get_payload(decode=True).decode()
    tag = re.search(r"<img src=\"cid:" + re.escape(LOGO_CID) + r"\"[^>]*>", html)
    assert tag, "no logo at the top of the email"
    assert 'width="200" height="60"' in tag.group(0)  # scaled to the email's 200 px
    assert (
        "&lt;b onmouseover=&quot;x()&quot;&gt;Acme&lt;/b&gt; &amp; &quot;Sons&quot;" in tag.group(0)
    )
    assert "<b onmouseover" not in html
    inline = [p for p in message.walk() if p["Content-ID"] == f"<{LOGO_CID}>"]
    assert len(inline) == 1
    assert inline[0].get_content_type() == "image/png"
    assert inline[0]["Content-Disposition"].startswith("inline")
    assert inline[0].get_payload(decode=True) == bytes(logo.png)
    # In the same multipart/related part as the HTML that points to it.
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    assert inline[0] in related.get_payload()


def test_without_a_logo_the_email_has_only_its_charts(org_a, alice):
    subscription = make_subscription(make_template(org_a), user=alice)
    message = digest_email(
        content=_digest(org_a, subscription),
        subscription=subscription,
        user_id=alice.pk,
        recipient="alice@example.com",
    ).message()
    assert not [p for p in message.walk() if p["Content-ID"] == f"<{LOGO_CID}>"]
