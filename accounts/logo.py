"""The organization's logo: checked, redrawn as a small PNG, stored, served, and embedded in
PDFs.

An upload is untrusted bytes. It is opened by Pillow only if it is small, of an allowed
raster type and of sane dimensions (a decompression bomb is refused before it is decoded),
then redrawn as a PNG of at most ``LOGO_MAX_SIZE`` pixels. What is stored and served is that
PNG, never the upload: no SVG script, no polyglot file, no metadata (EXIF, GPS) survives.
"""

from __future__ import annotations

import hashlib
import io
import warnings

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.audit import audit_record
from accounts.models import AuditAction, Membership, Organization, OrganizationLogo

LOGO_MAX_BYTES = 2 * 1024 * 1024
# The stored logo fits in this box (a PDF header needs no more).
LOGO_MAX_SIZE = (800, 240)
# Larger images are refused before decoding: a tiny PNG can declare 50,000 x 50,000 pixels.
LOGO_MAX_PIXELS = 25_000_000
ALLOWED_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "GIF": "GIF", "WEBP": "WebP"}


def _refuse(message: str) -> ValidationError:
    return ValidationError({"logo": message})


def redraw(data: bytes) -> tuple[bytes, int, int]:
    """The upload as a PNG within ``LOGO_MAX_SIZE`` (its width and height), or
    ValidationError saying what is wrong with it."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > LOGO_MAX_BYTES:
        raise _refuse(f"The file is larger than {LOGO_MAX_BYTES // 1024 // 1024} MB.")
    if data.lstrip()[:5].lower() in (b"<?xml", b"<svg ") or b"<svg" in data[:1024].lower():
        raise _refuse("SVG logos are not accepted (they can carry scripts): upload a PNG.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only these decoders are tried: anything else (TIFF, EPS, PSD...) is unreadable.
            image = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
            width, height = image.size
            if width * height > LOGO_MAX_PIXELS or not width or not height:
                raise _refuse(f"The image is {width} x {height} pixels: too large to be a logo.")
            image.load()  # decodes now: a truncated or corrupt file fails here
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        names = ", ".join(ALLOWED_FORMATS.values())
        raise _refuse(f"This file is not an image we accept: upload a {names} file.") from None
    except (OSError, SyntaxError, ValueError):
        raise _refuse("The image is damaged or incomplete.") from None
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA")
    image.thumbnail(LOGO_MAX_SIZE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), image.width, image.height


@transaction.atomic
def logo_set(
    *, organization: Organization, actor: Membership, upload: UploadedFile
) -> OrganizationLogo:
    if actor.organization_id != organization.pk or not actor.can_manage_members:
        raise PermissionDenied("Only owners and admins can change the logo.")
    # The size first, from what the upload handler counted: a huge file is never read.
    if upload.size is None or upload.size > LOGO_MAX_BYTES:
        raise _refuse(f"The file is larger than {LOGO_MAX_BYTES // 1024 // 1024} MB.")
    png, width, height = redraw(upload.read(LOGO_MAX_BYTES + 1))
    had_logo = OrganizationLogo.objects.filter(organization=organization).exists()
    logo, _ = OrganizationLogo.objects.update_or_create(
        organization=organization,
        defaults={
            "png": png,
            "width": width,
            "height": height,
            "sha256": hashlib.sha256(png).hexdigest(),
            "uploaded_by": actor.user,
        },
    )
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditAction.LOGO_CHANGED,
        target="logo",
        changes=[
            {
                "field": "logo",
                "before": "a logo" if had_logo else None,
                "after": f"{width} x {height} PNG ({logo.sha256[:12]})",
            }
        ],
    )
    return logo


@transaction.atomic
def logo_remove(*, organization: Organization, actor: Membership) -> None:
    if actor.organization_id != organization.pk or not actor.can_manage_members:
        raise PermissionDenied("Only owners and admins can change the logo.")
    deleted, _ = OrganizationLogo.objects.filter(organization=organization).delete()
    if deleted:
        audit_record(
            organization=organization, actor=actor, action=AuditAction.LOGO_REMOVED, target="logo"
        )


def logo_png(organization: Organization) -> bytes | None:
    """The stored PNG, for PDFs and digests (None without a logo)."""
    row = OrganizationLogo.objects.filter(organization=organization).only("png").first()
    return bytes(row.png) if row is not None else None
