"""The organization's logo: uploaded by managers, checked and redrawn, served safely to its
own members only, printed in PDF reports."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import html
from PIL import Image
from pypdf import PdfReader

from accounts.logo import LOGO_MAX_BYTES, redraw
from accounts.models import OrganizationLogo
from reports.pdf.report import report_pdf
from tests.reports.page_data import make_article, make_report

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
EDIT_URL = reverse("accounts:logo_edit")
LOGO_URL = reverse("accounts:logo")
RED = (220, 20, 60)


def image_bytes(size=(400, 100), fmt="PNG", color=RED, mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color if mode == "RGB" else 0).save(out, format=fmt, **save)
    return out.getvalue()


def upload(client, data: bytes, name: str = "logo.png", content_type: str = "image/png"):
    return client.post(
        EDIT_URL, {"logo": SimpleUploadedFile(name, data, content_type=content_type)}, **HTMX
    )


def _error(response) -> str:
    document = html.fromstring(response.content.decode())
    return " ".join(p.text_content() for p in document.xpath('//p[@class="field-error"]'))


def test_an_upload_is_redrawn_as_a_bounded_png_without_its_metadata(client_for, alice, org_a):
    exif = Image.Exif()
    exif[0x010E] = "secret location note"  # ImageDescription
    response = upload(client_for(alice), image_bytes((2000, 500), "JPEG", exif=exif), "l.jpg")

    assert response.status_code == 200 and response.headers["HX-Redirect"]
    logo = OrganizationLogo.objects.get(organization=org_a)
    stored = Image.open(io.BytesIO(bytes(logo.png)))
    assert stored.format == "PNG" and stored.size == (800, 200) == (logo.width, logo.height)
    assert b"secret location note" not in bytes(logo.png)


def test_members_see_the_logo_served_as_an_inert_png(client_for, alice, bob, org_a):
    upload(client_for(alice), image_bytes())

    response = client_for(bob).get(LOGO_URL)

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert Image.open(io.BytesIO(response.content)).size == (400, 100)
    again = client_for(bob).get(LOGO_URL, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert (
        'data-testid="org-logo"'
        in client_for(bob).get(reverse("accounts:settings")).content.decode()
    )


def test_another_organization_gets_its_own_logo_or_none(client_for, alice, charlie, org_a):
    upload(client_for(alice), image_bytes())

    assert client_for(charlie).get(LOGO_URL).status_code == 404


def test_a_member_cannot_upload_or_remove(client_for, alice, bob, org_a):
    upload(client_for(alice), image_bytes())
    client = client_for(bob)

    assert upload(client, image_bytes(color=(0, 0, 255))).status_code == 403
    assert client.post(reverse("accounts:logo_remove")).status_code == 403
    assert OrganizationLogo.objects.filter(organization=org_a).count() == 1


def test_an_owner_removes_the_logo(client_for, alice, org_a):
    client = client_for(alice)
    upload(client, image_bytes())

    client.post(reverse("accounts:logo_remove"))

    assert not OrganizationLogo.objects.filter(organization=org_a).exists()
    assert client.get(LOGO_URL).status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"just some text, not a picture", "logo.png", "not an image we accept"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "logo.svg",
            "SVG logos are not accepted",
        ),
        (image_bytes(fmt="TIFF"), "logo.tiff", "not an image we accept"),
        (image_bytes()[:200], "cut.png", "damaged or incomplete"),
        # A 1-bit 6000 x 5000 image: a few kilobytes that decode to 30 million pixels.
        (image_bytes((6000, 5000), mode="1"), "bomb.png", "too large to be a logo"),
    ],
    ids=["text", "svg", "tiff", "truncated", "pixel-bomb"],
)
def test_a_bad_file_is_refused_with_the_reason_and_nothing_is_stored(
    client_for, alice, org_a, data, name, expected
):
    response = upload(client_for(alice), data, name)

    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    assert expected in _error(response)
    assert not OrganizationLogo.objects.filter(organization=org_a).exists()


def test_a_file_over_the_size_limit_is_refused_unread(client_for, alice, org_a):
    huge = b"\x89PNG\r\n\x1a\n" + b"\0" * LOGO_MAX_BYTES

    response = upload(client_for(alice), huge)

    assert "larger than 2 MB" in _error(response)
    assert not OrganizationLogo.objects.filter(organization=org_a).exists()


def test_redraw_refuses_oversized_bytes_on_its_own():
    with pytest.raises(Exception, match="larger than"):
        redraw(b"\0" * (LOGO_MAX_BYTES + 1))


def test_the_report_pdf_prints_the_logo(client_for, alice, org_a):
    upload(client_for(alice), image_bytes())
    report = make_report(make_article(org_a, "/logo"), summary="A summary.")

    document = report_pdf(report=report, organization=org_a)

    images = [image.image for image in PdfReader(io.BytesIO(document.content)).pages[0].images]
    assert any(image.size == (400, 100) for image in images)
    red = [image for image in images if image.convert("RGB").getpixel((10, 10)) == RED]
    assert red, "the logo's red pixels are in the PDF"


def test_without_a_logo_the_pdf_has_no_image(org_a):
    report = make_report(make_article(org_a, "/nologo"), summary="A summary.")

    document = report_pdf(report=report, organization=org_a)

    images = PdfReader(io.BytesIO(document.content)).pages[0].images
    assert [image.image.size for image in images] == []
