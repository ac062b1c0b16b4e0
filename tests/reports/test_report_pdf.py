"""One report as a PDF (issue #13 item 2): its text, pages, look, isolation, and that
rendering fetches nothing from outside whatever the article or a brand name contains."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from accounts.models import Organization
from reports.models import Report
from reports.pdf.render import BASE_URL, RefusedURL, html_to_pdf, static_file_for
from reports.pdf.report import report_pdf
from tests.harness.http_server import Reply
from tests.reports.page_data import add_mention, make_article, make_brand, make_feed, make_report

pytestmark = pytest.mark.django_db

SUMMARY = (
    "Acme Corp opened a new plant in Lyon on Monday; analysts expect better margins, and "
    "Globex will supply parts."
)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    # Layout-free extraction joins lines with "\n"; collapse whitespace to compare phrases.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def page_count(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def report(org_a: Organization) -> Report:
    org_a.name = "Northwind Communications"
    org_a.save(update_fields=["name"])
    article = make_article(
        org_a, "/acme-lyon", title="Acme opens a plant in Lyon", feeds=(make_feed(org_a),)
    )
    report = make_report(
        article, summary=SUMMARY, sentiment_score=0.42, sentiment_label="positive", topic="Industry"
    )
    add_mention(report, make_brand(org_a, "Acme Corp"), confidence=0.93, sentiment=0.5)
    add_mention(report, make_brand(org_a, "Globex"), confidence=0.61, sentiment=-0.3)
    return report


def test_the_pdf_holds_the_article_summary_brands_evidence_and_organization(report, org_a):
    document = report_pdf(report=report, organization=org_a)

    assert document.content.startswith(b"%PDF-")
    assert document.filename == f"report-{report.pk}-acme-opens-a-plant-in-lyon.pdf"
    text = pdf_text(document.content)
    for expected in (
        "Acme opens a plant in Lyon",
        "Wire",  # the source feed
        "10 March 2026",  # the publication date
        "https://news.example/acme-lyon",
        SUMMARY,
        "Acme Corp",
        "Globex",
        "Acme Corp opened a new plant in Lyon on Monday.",  # Acme's evidence
        "The plant will build parts for Globex.",  # Globex's evidence
        "0.93",
        "0.61",
        "-0.30",
        "Positive 0.42",
        "Northwind Communications",
        "Page 1 of 1",
    ):
        assert expected in text, expected
    # Highest confidence first.
    assert text.index("0.93") < text.index("0.61")


def test_a_long_report_runs_over_pages_numbered_on_each(report, org_a):
    for index in range(40):
        brand = make_brand(org_a, f"Brand number {index}")
        add_mention(report, brand, evidence="A long quote about this brand. " * 6)

    content = report_pdf(report=report, organization=org_a).content

    pages = page_count(content)
    assert pages >= 3
    reader = PdfReader(io.BytesIO(content))
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert f"Page {number} of {pages}" in text
        assert "Northwind Communications" in text  # the header and footer on every page
    assert "Brand number 39" in pdf_text(content)


def test_a_report_without_brands_or_summary_still_renders(org_a):
    report = make_report(make_article(org_a, "/quiet", title="A quiet day", text="Nothing."))

    text = pdf_text(report_pdf(report=report, organization=org_a).content)

    assert "A quiet day" in text
    assert "No brand was found in this article." in text
    assert "Summary" not in text


def test_page_one_renders_to_a_png_artefact(report, org_a, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: apt install poppler-utils (.ci/run installs it)")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_pdf(report=report, organization=org_a).content)

    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            pdf,
            tmp_path / "page",
        ],
        check=True,
        timeout=120,
    )

    with Image.open(tmp_path / "page.png") as png:
        width, height = png.size
        grey = png.convert("L")
        inked = sum(grey.histogram()[:128])
    assert height / width == pytest.approx(297 / 210, rel=0.01)  # one A4 page
    assert inked > 0.005 * width * height  # text was drawn, not a blank page
    print(f"page 1 of the report PDF: {tmp_path / 'page.png'}")


def test_markup_in_titles_brands_and_evidence_is_printed_not_fetched(org_a, http_server):
    http_server.add_route(
        "/pixel.png", Reply(body=b"\x89PNG", headers={"Content-Type": "image/png"})
    )
    img = f'<img src="{http_server.url_for("/pixel.png")}">'
    style = f"<style>@import url({http_server.url_for('/evil.css')});</style>"
    article = make_article(
        org_a, "/xss", title=f"Acme {img} wins", text=f"Acme Corp {img} results. {style}"
    )
    report = make_report(article, summary=f"Summary {img} {style}")
    brand = make_brand(org_a, f"Acme {img}")
    add_mention(report, brand, surface="Acme Corp", evidence=f"Acme Corp {img} results.")

    text = pdf_text(report_pdf(report=report, organization=org_a).content)

    assert http_server.requests == []
    # Shown as the characters it is (line breaks may fall inside the URL).
    squeezed = "".join(text.split())
    assert "".join(f"Acme {img} wins".split()) in squeezed
    assert "".join(f"Summary {img}".split()) in squeezed


def test_the_renderer_refuses_every_url_but_static_files(org_a, http_server, caplog):
    """The wall behind escaping: even markup that reaches the renderer fetches nothing."""
    http_server.add_route("/x.png", Reply(body=b"\x89PNG", headers={"Content-Type": "image/png"}))
    http_server.add_route("/x.css", Reply(body="body{}", headers={"Content-Type": "text/css"}))
    secret = Path(__file__).resolve()
    html = (
        f'<link rel="stylesheet" href="{http_server.url_for("/x.css")}">'
        f'<img src="{http_server.url_for("/x.png")}">'
        f'<img src="file://{secret}">'
        f'<svg><image href="{http_server.url_for("/x.png?svg")}" width="9" height="9"/></svg>'
        f'<div style="background: url({http_server.url_for("/x.png?css")})">x</div>'
    )

    content = html_to_pdf(html)

    assert content.startswith(b"%PDF-")
    assert http_server.requests == []
    assert "refused" in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/static/css/pdf.css",
        "file:///etc/passwd",
        BASE_URL + "static/../../manage.py",
        BASE_URL + "static/%2e%2e/%2e%2e/marketing_hunting/settings.py",
        BASE_URL + "static/css/missing.css",
        BASE_URL + "admin/",
        "data:text/css,body{}",
    ],
)
def test_a_url_outside_the_static_files_is_refused(url):
    with pytest.raises(RefusedURL):
        static_file_for(url)


def test_the_stylesheet_is_served_from_the_static_files():
    assert static_file_for(BASE_URL + "static/css/pdf.css").name == "pdf.css"


def test_the_download_is_an_attached_pdf(client_for, alice, report):
    response = client_for(alice).get(reverse("reports:pdf", args=[report.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="report-{report.pk}-acme-opens-a-plant-in-lyon.pdf"'
    )
    assert "Acme opens a plant in Lyon" in pdf_text(response.content)


def test_the_report_page_links_to_its_pdf(client_for, alice, report):
    response = client_for(alice).get(reverse("reports:detail", args=[report.pk]))

    assert reverse("reports:pdf", args=[report.pk]).encode() in response.content
    assert b"Download PDF" in response.content


def test_another_organizations_report_pdf_is_a_404(client_for, charlie, report):
    response = client_for(charlie).get(reverse("reports:pdf", args=[report.pk]))

    assert response.status_code == 404


def test_the_pdf_needs_a_login(client, report):
    response = client.get(reverse("reports:pdf", args=[report.pk]))

    assert response.status_code == 302


def test_without_pango_the_pdf_says_what_to_install_and_the_page_still_works(
    client_for, alice, report, monkeypatch
):
    import reports.pdf.render as render

    def no_pango() -> None:
        raise render.PdfUnavailable(render.INSTALL_HINT)

    monkeypatch.setattr(render, "_weasyprint", no_pango)
    monkeypatch.setattr(render, "_fetcher_class", no_pango)
    client = client_for(alice)

    response = client.get(reverse("reports:pdf", args=[report.pk]))

    assert response.status_code == 503
    assert b"The PDF cannot be made on this server" in response.content
    assert b"libpango-1.0-0" in response.content
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 200


def test_importing_the_app_does_not_load_weasyprint():
    """A server without Pango must start: WeasyPrint (which loads Pango) is imported lazily."""
    code = (
        "import os, sys, django;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tests.settings');"
        "django.setup();"
        "import reports.urls, reports.pdf.report;"
        "from django.urls import reverse; reverse('reports:pdf', args=[1]);"
        "print('weasyprint' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )

    assert result.stdout.strip() == "False"


def test_with_collected_hashed_static_files_the_pdf_keeps_its_stylesheet(
    report, org_a, settings, tmp_path, caplog
):
    """Production serves collected files under hashed names (ManifestStaticFilesStorage):
    the fetcher must find those, or the PDF loses its layout and page numbers silently."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    # Django's setting_changed handler rebuilds staticfiles_storage from the new settings.
    call_command("collectstatic", interactive=False, verbosity=0)
    assert staticfiles_storage.url("css/pdf.css") != "/static/css/pdf.css"  # a hashed name

    text = pdf_text(report_pdf(report=report, organization=org_a).content)

    assert "Page 1 of 1" in text  # the @page rules of the stylesheet applied
    assert "refused" not in caplog.text
