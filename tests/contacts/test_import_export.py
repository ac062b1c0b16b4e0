"""CSV/XLSX import (preview, all-or-nothing confirm, refused files) and export of contacts,
through the services and the pages."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.models import BrandContact, ContactSource
from contacts.services.transfer import (
    MAX_ROWS,
    contacts_export,
    contacts_import_confirm,
    contacts_import_preview,
)
from reports.models import BrandAlias
from reports.normalize import normalize_brand
from tests.contacts.builders import make_brand, make_contact, make_suggestion

pytestmark = pytest.mark.django_db

HEADER = (
    "brand,full_name,title,email,phone,linkedin_url,company,notes,verified,do_not_contact,"
    "lawful_basis\n"
)


def upload(text: str | bytes, name: str = "contacts.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def preview(org, user, text, name="contacts.csv", format=None):
    return contacts_import_preview(
        organization=org, actor=user, file=upload(text, name), format=format
    )


def fields_of(contact: BrandContact) -> dict:
    return {
        name: getattr(contact, name)
        for name in (
            "brand_id",
            "full_name",
            "title",
            "email",
            "phone",
            "linkedin_url",
            "company",
            "notes",
            "verified",
            "do_not_contact",
            "lawful_basis",
        )
    }


@pytest.fixture
def acme(org_a):
    return make_brand(org_a, "Acme")


def test_a_clean_file_previews_then_imports_new_contacts_with_source_import(org_a, alice, acme):
    text = HEADER + (
        "Acme,Jane Doe,Head of PR,Jane@Acme.example,+44 20 7946 0958,"
        "https://www.linkedin.com/in/jane-doe/,Acme,met at fair,yes,no,legitimate interest\n"
    )

    result = preview(org_a, alice, text)

    assert result.ok and result.counts == {"new": 1, "update": 0, "skip": 0, "error": 0}
    assert not BrandContact.objects.exists()  # The preview saved nothing.

    done = contacts_import_confirm(organization=org_a, actor=alice, token=result.token)

    assert done.committed
    jane = BrandContact.objects.get()
    assert (jane.organization, jane.brand, jane.email) == (org_a, acme, "jane@acme.example")
    assert (jane.source, jane.created_by, jane.verified, jane.suggested) == (
        ContactSource.IMPORT,
        alice,
        True,
        False,
    )


def test_preview_counts_new_update_skip_and_error_rows_and_says_why(org_a, alice, acme):
    make_contact(acme, "Old Friend", email="old@acme.example", title="CMO", company="Acme")
    make_contact(acme, "Same Person", email="same@acme.example", title="Head of PR", company="Acme")
    make_contact(acme, "No Email", title="Editor", company="Acme")
    text = HEADER + (
        "Acme,New Person,PR,new@acme.example,,,Acme,,no,no,\n"
        "Acme,Old Friend,Chief Marketing Officer,OLD@acme.example,,,Acme,,no,no,\n"
        "acme,no  email,Senior editor,,,,Acme,,no,no,\n"
        "Acme,Same Person,Head of PR,same@acme.example,,,Acme,,no,no,\n"
        ",,,,,,,,,,\n"
        "Acme,Bad Email,,not-an-email,,,,,no,no,\n"
        "Acme,Bad Phone,,,call me,,,,no,no,\n"
        "Acme,Bad Link,,,,https://www.linkedin.com/company/acme,,,no,no,\n"
        "Nowhere Inc,Lost Person,,,,,,,no,no,\n"
        "Acme,Odd Flag,,,,,,,maybe,no,\n"
    )

    result = preview(org_a, alice, text)

    assert result.counts == {"new": 1, "update": 2, "skip": 2, "error": 5}
    assert not result.ok and not result.token
    actions = {row.full_name: (row.action, " ".join(row.messages)) for row in result.rows}
    assert actions["New Person"][0] == "new"
    assert actions["Old Friend"][0] == "update"
    assert actions["no  email"][0] == "update"  # Same name at the same brand, spacing aside.
    assert actions["Same Person"][0] == "skip"
    assert "valid email" in actions["Bad Email"][1]
    assert "phone number" in actions["Bad Phone"][1]
    assert "LinkedIn profile URL" in actions["Bad Link"][1]
    assert "Unknown brand “Nowhere Inc”" in actions["Lost Person"][1]
    assert "yes or no" in actions["Odd Flag"][1]
    assert [row.number for row in result.rows] == list(range(2, 12))  # Spreadsheet lines.
    # The dry run changed nothing.
    assert BrandContact.objects.get(email="old@acme.example").title == "CMO"
    assert BrandContact.objects.count() == 3


def test_a_file_with_one_bad_row_cannot_be_confirmed_and_saves_nothing(org_a, alice, acme):
    text = HEADER + (
        "Acme,Jane Doe,,jane@acme.example,,,,,no,no,\nAcme,Broken,,broken@,,,,,no,no,\n"
    )

    result = preview(org_a, alice, text)

    assert result.counts == {"new": 1, "update": 0, "skip": 0, "error": 1}
    assert not result.ok and not result.token
    assert not BrandContact.objects.exists()


def test_confirm_rolls_back_every_row_when_one_fails_at_confirmation(org_a, alice, acme):
    globex = make_brand(org_a, "Globex")
    text = HEADER + (
        "Acme,First One,,first@acme.example,,,,,no,no,\n"
        "Globex,Second One,,second@globex.example,,,,,no,no,\n"
    )
    result = preview(org_a, alice, text)
    assert result.ok
    # Globex is deleted before confirmation: its row fails now, the confirmation re-checks
    # every row, and the Acme row is not saved on its own.
    globex.delete()

    done = contacts_import_confirm(organization=org_a, actor=alice, token=result.token)

    assert not done.committed
    assert [row.action for row in done.rows] == ["new", "error"]
    assert not BrandContact.objects.exists()


def test_a_confirmed_preview_cannot_be_imported_twice_or_by_someone_else(
    org_a, org_b, alice, bob, charlie, acme
):
    result = preview(org_a, alice, HEADER + "Acme,Jane Doe,,,,,,,no,no,\n")

    with pytest.raises(Exception, match="expired"):
        contacts_import_confirm(organization=org_a, actor=bob, token=result.token)
    with pytest.raises(Exception, match="expired"):
        contacts_import_confirm(organization=org_b, actor=charlie, token=result.token)
    contacts_import_confirm(organization=org_a, actor=alice, token=result.token)
    with pytest.raises(Exception, match="expired"):
        contacts_import_confirm(organization=org_a, actor=alice, token=result.token)
    assert BrandContact.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "contacts.csv", "The file is empty."),
        (b"%PDF-1.4\x00\x01binary", "contacts.pdf", "Upload a CSV or XLSX file"),
        (b"\x00\x01\x02binary", "contacts.csv", "not a CSV file"),
        (b"a,b\n1,2\n", "contacts.xlsx", "not an XLSX file"),
        (b"PK\x03\x04garbage", "contacts.xlsx", "could not be read"),
        (b"full_name,email\nJane,jane@acme.example\n", "contacts.csv", "no brand column"),
        (b"email\njane@acme.example\n", "contacts.csv", "no brand or full_name column"),
        (HEADER.encode(), "contacts.csv", "no contacts"),
    ],
)
def test_files_that_cannot_be_imported_say_why(org_a, alice, data, name, message):
    result = preview(org_a, alice, data, name)

    assert not result.ok and not result.rows
    assert message in " ".join(result.errors)


def test_too_large_and_too_long_files_are_refused(org_a, alice, acme, settings):
    big = HEADER + "Acme,Jane,,,,,," + "x" * (5 * 1024 * 1024) + ",no,no,\n"
    assert "larger than 5 MB" in " ".join(preview(org_a, alice, big).errors)
    long = HEADER + "Acme,Jane,,,,,,,no,no,\n" * (MAX_ROWS + 1)
    assert f"more than {MAX_ROWS} rows" in " ".join(preview(org_a, alice, long).errors)


def test_headings_are_forgiving_and_semicolon_files_from_excel_are_read(org_a, alice, acme):
    text = "Brand;Name;E-mail;Favourite colour\nACME;Zoë Ünal;zoe@acme.example;blue\n"

    result = preview(org_a, alice, text.encode("utf-8-sig"))

    assert result.ok and result.ignored_columns == ["Favourite colour"]
    contacts_import_confirm(organization=org_a, actor=alice, token=result.token)
    assert BrandContact.objects.get().full_name == "Zoë Ünal"


def test_the_brand_column_accepts_an_alias_and_ignores_other_organizations_brands(
    org_a, org_b, alice, acme
):
    BrandAlias.objects.create(
        organization=org_a, brand=acme, alias="Acme Corp.", normalized=normalize_brand("Acme Corp.")
    )
    make_brand(org_b, "Globex")
    text = HEADER + "ACME Corp,Jane Doe,,,,,,,no,no,\nGlobex,Hank Scorpio,,,,,,,no,no,\n"

    result = preview(org_a, alice, text)

    assert [row.action for row in result.rows] == ["new", "error"]


def test_import_never_matches_or_changes_another_organizations_contact(org_a, org_b, alice, acme):
    theirs = make_contact(make_brand(org_b, "Acme"), "Jane Doe", email="jane@acme.example")
    text = HEADER + "Acme,Jane Doe,Spy,jane@acme.example,,,,,no,no,\n"

    result = preview(org_a, alice, text)
    contacts_import_confirm(organization=org_a, actor=alice, token=result.token)

    assert result.counts["new"] == 1
    theirs.refresh_from_db()
    assert theirs.title == "Head of PR"
    assert BrandContact.objects.filter(organization=org_a, email="jane@acme.example").exists()


def test_importing_a_suggested_person_makes_the_suggestion_a_contact(org_a, alice, acme):
    suggestion = make_suggestion(acme, "Sam Lee", email="sam@acme.example")
    text = HEADER + "Acme,Sam Lee,Press officer,sam@acme.example,,,,,yes,no,\n"

    result = preview(org_a, alice, text)
    contacts_import_confirm(organization=org_a, actor=alice, token=result.token)

    assert result.rows[0].action == "update" and "suggestion" in result.rows[0].messages[0]
    suggestion.refresh_from_db()
    assert (suggestion.suggested, suggestion.expires_at, suggestion.verified) == (False, None, True)


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_export_then_import_gives_back_the_same_contacts(org_a, alice, acme, format):
    globex = make_brand(org_a, "Globex")
    make_contact(
        acme,
        "Jane Doe",
        email="jane@acme.example",
        phone="+44 20 7946 0958",
        linkedin_url="https://www.linkedin.com/in/jane-doe/",
        notes='=HYPERLINK("http://evil")\nsecond line',
        verified=True,
        lawful_basis="-legitimate interest",
    )
    make_contact(globex, "Zoë Ünal", title="", company="", do_not_contact=True)
    before = {c.full_name: fields_of(c) for c in BrandContact.objects.all()}
    content, filename, _ = contacts_export(organization=org_a, format=format)
    BrandContact.objects.all().delete()

    result = preview(org_a, alice, content, filename)
    contacts_import_confirm(organization=org_a, actor=alice, token=result.token)

    assert result.counts["new"] == 2, result.rows
    after = {c.full_name: fields_of(c) for c in BrandContact.objects.all()}
    assert after == before


def test_export_escapes_cells_a_spreadsheet_would_run_as_formulas(org_a, acme):
    make_contact(acme, "=cmd|' /C calc'!A0", notes="@SUM(1)", title="+1", company="\tTabbed")

    content, filename, content_type = contacts_export(organization=org_a, format="csv")

    assert filename.endswith(".csv") and content_type.startswith("text/csv")
    row = next(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert row["full_name"] == "'=cmd|' /C calc'!A0"
    assert (row["notes"], row["title"], row["company"]) == ("'@SUM(1)", "'+1", "'\tTabbed")
    book = openpyxl.load_workbook(io.BytesIO(contacts_export(organization=org_a, format="xlsx")[0]))
    values = [cell.value for cell in book.active[2]]
    assert "'=cmd|' /C calc'!A0" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_export_has_only_this_organizations_contacts_not_suggestions(org_a, org_b, acme):
    make_contact(acme, "Ours")
    make_suggestion(acme, "Suggested")
    make_contact(make_brand(org_b, "Acme"), "Theirs")

    content, _, _ = contacts_export(organization=org_a, format="csv")

    names = [row["full_name"] for row in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))]
    assert names == ["Ours"]


# --- pages -----------------------------------------------------------------------------------


def test_the_import_drawer_shows_the_upload_form(client_for, alice):
    response = client_for(alice).get(reverse("contacts:import"), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert b'name="file"' in response.content and b"<html" not in response.content


def test_uploading_shows_the_preview_and_confirming_imports(client_for, alice, acme):
    client = client_for(alice)
    text = HEADER + "Acme,Jane Doe,,jane@acme.example,,,,,no,no,\nAcme,Bad,,bad@,,,,,no,no,\n"
    bad = client.post(reverse("contacts:import"), {"file": upload(text)})
    assert bad.status_code == 200
    assert b"1 to create, 0 to update, 0 skipped, 1 error" in bad.content
    assert b"Nothing will be imported" in bad.content and b'name="token"' not in bad.content

    good = client.post(
        reverse("contacts:import"),
        {"file": upload(text.splitlines(True)[0] + text.splitlines(True)[1])},
    )
    assert b"1 to create, 0 to update, 0 skipped, 0 errors" in good.content
    token = good.context["preview"].token
    done = client.post(reverse("contacts:import_confirm"), {"token": token})

    assert done.status_code == 302 and done.url == reverse("contacts:list")
    assert BrandContact.objects.get().full_name == "Jane Doe"


def test_a_file_error_comes_back_on_the_form(client_for, alice):
    response = client_for(alice).post(
        reverse("contacts:import"), {"file": upload(b"", "empty.csv")}
    )
    # Django refuses an empty upload itself; a non-CSV file reaches our checks.
    assert response.status_code == 200 and b"has-error" in response.content
    response = client_for(alice).post(
        reverse("contacts:import"), {"file": upload(b"hello", "notes.docx")}
    )
    assert b"Upload a CSV or XLSX file" in response.content


def test_an_unknown_token_is_refused_with_a_message(client_for, alice):
    response = client_for(alice).post(
        reverse("contacts:import_confirm"), {"token": "nope"}, follow=True
    )

    assert b"expired" in response.content
    assert not BrandContact.objects.exists()


def test_the_export_page_honours_the_lists_filters(client_for, alice, org_a, acme, org_b, charlie):
    globex = make_brand(org_a, "Globex")
    make_contact(acme, "Jane Doe", verified=True)
    make_contact(acme, "Joe Bloggs", verified=False, do_not_contact=True)
    make_contact(globex, "Janet Globex", verified=True, source=ContactSource.IMPORT)
    client = client_for(alice)

    def names(**params):
        response = client.get(reverse("contacts:export"), {"format": "csv", **params})
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith(
            'attachment; filename="organization-a-contacts-'
        )
        rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
        return sorted(row["full_name"] for row in rows)

    assert names() == ["Jane Doe", "Janet Globex", "Joe Bloggs"]
    assert names(q="jane") == ["Jane Doe", "Janet Globex"]
    assert names(brand=acme.pk) == ["Jane Doe", "Joe Bloggs"]
    assert names(verified="yes") == ["Jane Doe", "Janet Globex"]
    assert names(dnc="yes") == ["Joe Bloggs"]
    assert names(source="import") == ["Janet Globex"]
    assert (
        client_for(charlie)
        .get(reverse("contacts:export"), {"format": "csv"})
        .content.decode("utf-8-sig")
        .count("\n")
        == 1
    )  # charlie's export has only the heading row.
    xlsx = client.get(reverse("contacts:export"), {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_an_xlsx_upload_through_the_page_previews_its_rows(client_for, alice, acme):
    data = xlsx_bytes(
        [
            ["brand", "full_name", "email", "phone", "verified"],
            ["Acme", "Jane Doe", "jane@acme.example", 442079460958, True],
            [None, None, None, None, None],
        ]
    )

    response = client_for(alice).post(
        reverse("contacts:import"), {"file": upload(data, "people.xlsx")}
    )

    preview_rows = response.context["preview"].rows
    assert [(row.action, row.full_name) for row in preview_rows] == [
        ("new", "Jane Doe"),
        ("skip", ""),
    ]
    assert b"1 to create, 0 to update, 1 skipped, 0 errors" in response.content
    client_for(alice).post(
        reverse("contacts:import_confirm"), {"token": response.context["preview"].token}
    )
    jane = BrandContact.objects.get()
    assert (jane.phone, jane.verified) == ("442079460958", True)


def test_the_import_page_works_without_javascript(client_for, alice):
    response = client_for(alice).get(reverse("contacts:import"))

    assert response.status_code == 200
    assert b"<html" in response.content and b'enctype="multipart/form-data"' in response.content


def test_an_import_never_lifts_do_not_contact_from_an_existing_contact(org_a, alice, acme):
    jane = make_contact(acme, "Jane Doe", email="jane@acme.example", do_not_contact=True)
    text = HEADER + "Acme,Jane Doe,Director of PR,jane@acme.example,,,Acme,,no,no,\n"

    result = preview(org_a, alice, text)

    assert result.ok and result.rows[0].action == "update"
    assert "Stays do-not-contact" in result.rows[0].messages[0]
    assert contacts_import_confirm(organization=org_a, actor=alice, token=result.token).committed
    jane.refresh_from_db()
    assert (jane.title, jane.do_not_contact) == ("Director of PR", True)


def test_an_import_can_mark_an_existing_contact_do_not_contact(org_a, alice, acme):
    jane = make_contact(acme, "Jane Doe", email="jane@acme.example")
    text = "brand,full_name,email,do_not_contact\nAcme,Jane Doe,jane@acme.example,yes\n"

    result = preview(org_a, alice, text)
    contacts_import_confirm(organization=org_a, actor=alice, token=result.token)

    jane.refresh_from_db()
    assert jane.do_not_contact is True
