"""A digest as an email: HTML with a plain-text part, its charts as inline PNG images
(multipart/related, ``cid:`` links), the PDF attached on request, and an unsubscribe link
(also as List-Unsubscribe, one click, RFC 8058).

Structure: mixed [ alternative [ text, related [ html, png… ] ], pdf ].
"""

from __future__ import annotations

from email.mime.image import MIMEImage
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import OrganizationLogo
from marketing_hunting.single_line import one_line
from reports.digests.content import DigestContent, absolute
from reports.digests.models import DigestSubscription
from reports.digests.raster import chart_png
from reports.digests.tokens import unsubscribe_token

HTML_TEMPLATE = "reports/digests/email.html"
LOGO_CID = "logo@digest.marketing-hunting"
# Shown at most this wide in the email (the stored PNG is up to 800 x 240, for print).
LOGO_EMAIL_WIDTH = 200
TEXT_TEMPLATE = "reports/digests/email.txt"


class DigestEmail(EmailMultiAlternatives):
    """An EmailMultiAlternatives whose HTML part travels with its inline images."""

    def __init__(self, *args: Any, inline_images: list[tuple[str, bytes]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.inline_images = inline_images

    def _create_alternatives(self, msg: Any) -> Any:
        msg = super()._create_alternatives(msg)
        if not self.inline_images:
            return msg
        parts = msg.get_payload()
        related = SafeMIMEMultipart(
            _subtype="related", encoding=self.encoding or settings.DEFAULT_CHARSET
        )
        related.attach(parts[-1])
        for cid, png in self.inline_images:
            image = MIMEImage(png, "png")
            image.add_header("Content-ID", f"<{cid}>")
            image.add_header("Content-Disposition", "inline", filename=f"{cid.split('@')[0]}.png")
            related.attach(image)
        msg.set_payload([*parts[:-1], related])
        return msg


def subject(content: DigestContent, subscription: DigestSubscription) -> str:
    kind = "Daily" if subscription.days == 1 else "Weekly"
    nothing = " (nothing new)" if content.is_empty else ""
    # The template's and organization's names are the user's: never a line break in a header.
    return one_line(
        f"{kind} digest: {content.template.name}, {content.organization.name}{nothing}"
    )[:200]


def email_context(
    content: DigestContent, subscription: DigestSubscription, user_id: int
) -> dict[str, Any]:
    token = unsubscribe_token(subscription_id=subscription.pk, user_id=user_id)
    return {
        "content": content,
        "subscription": subscription,
        "app_url": absolute(reverse("dashboard")),
        "settings_url": absolute(reverse("digests:list")),
        "unsubscribe_url": absolute(reverse("digests:unsubscribe", args=[token])),
    }


def digest_email(
    *,
    content: DigestContent,
    subscription: DigestSubscription,
    user_id: int,
    recipient: str,
    pdf: tuple[str, bytes] | None = None,
) -> DigestEmail:
    images = []
    for number, chart in enumerate(content.charts.values()):
        png, chart.width, chart.height = chart_png(chart.svg)
        chart.cid = f"chart{number}-{chart.key}@digest.marketing-hunting"
        images.append((chart.cid, png))
    context = email_context(content, subscription, user_id)
    logo = OrganizationLogo.objects.filter(organization=content.organization).first()
    if logo is not None:
        # The stored PNG (redrawn by Pillow at upload), inline like the charts: mail clients
        # show cid: images without loading anything from the web.
        images.insert(0, (LOGO_CID, bytes(logo.png)))
        scale = min(1.0, LOGO_EMAIL_WIDTH / logo.width)
        context["logo"] = {
            "cid": LOGO_CID,
            "width": round(logo.width * scale),
            "height": round(logo.height * scale),
        }
    # The organization's language (Organization settings): dates and Django's own wording.
    language = subscription.organization.language or settings.LANGUAGE_CODE
    with translation.override(language):
        text_body = render_to_string(TEXT_TEMPLATE, context)
        html_body = render_to_string(HTML_TEMPLATE, context)
    message = DigestEmail(
        subject=subject(content, subscription),
        body=text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        inline_images=images,
    )
    # Autoescaped like every template: a brand called <script> arrives as text.
    message.attach_alternative(html_body, "text/html")
    if pdf:
        message.attach(pdf[0], pdf[1], "application/pdf")
    return message
