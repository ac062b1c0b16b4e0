"""OPML import and export (the format every feed reader speaks)."""

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Organization
from feeds.models import Feed
from feeds.services.feeds import feed_create

MAX_OPML_BYTES = 2 * 1024 * 1024
MAX_OPML_FEEDS = 2000


@dataclass
class ImportReport:
    added: list[Feed] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url or title, reason)


def _outlines(data: bytes) -> list[tuple[str, str]]:
    if len(data) > MAX_OPML_BYTES:
        raise ValidationError("The file is larger than 2 MB; is it really an OPML file?")
    try:
        # defusedxml refuses entity tricks (billion laughs, external entities).
        root = SafeElementTree.fromstring(data)
    except DefusedXmlException:
        raise ValidationError("The file uses XML entities, which are refused for safety.") from None
    except SafeElementTree.ParseError as exc:
        raise ValidationError(f"The file is not valid OPML/XML ({exc}).") from None
    if root.tag.lower() != "opml":
        raise ValidationError("The file is XML but not OPML (its root element is not <opml>).")
    found = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url:
            title = (outline.get("title") or outline.get("text") or url).strip()
            found.append((title[:200], url))
    return found


def opml_import(*, organization: Organization, data: bytes) -> ImportReport:
    """Add every feed of an OPML file; report what was added and what was skipped and why."""
    outlines = _outlines(data)
    if not outlines:
        raise ValidationError("The file contains no feeds (no <outline> with an xmlUrl).")
    report = ImportReport()
    if len(outlines) > MAX_OPML_FEEDS:
        for _title, url in outlines[MAX_OPML_FEEDS:]:
            report.skipped.append((url, f"more than {MAX_OPML_FEEDS} feeds in one file"))
        outlines = outlines[:MAX_OPML_FEEDS]
    for title, url in outlines:
        try:
            report.added.append(feed_create(organization=organization, name=title, url=url))
        except ValidationError as exc:
            # dict.fromkeys: the model's two URL validators can both refuse the same address.
            reason = " ".join(dict.fromkeys(exc.messages))
            if "already watches" in reason:
                reason = "already in your feeds"
            report.skipped.append((url, reason))
    return report


def opml_export(*, organization: Organization) -> bytes:
    opml = Element("opml", version="2.0")
    head = SubElement(opml, "head")
    SubElement(head, "title").text = f"{organization.name} feeds (Marketing Hunting)"
    SubElement(head, "dateCreated").text = timezone.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    body = SubElement(opml, "body")
    for feed in Feed.objects.filter(organization=organization).order_by("name"):
        SubElement(body, "outline", type="rss", text=feed.name, title=feed.name, xmlUrl=feed.url)
    return tostring(opml, encoding="utf-8", xml_declaration=True)
