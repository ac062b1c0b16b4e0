"""brand_list_import: a CSV with a header or a plain list; whole-file refusals change nothing,
row problems skip only their row and say why."""

import pytest
from django.core.exceptions import ValidationError

from reports.models import Brand, BrandAlias, BrandGroup, BrandStatus
from reports.services.brand_import import MAX_BYTES, brand_list_import
from tests.reports.analysis_data import track
from tests.reports.page_data import make_industry

pytestmark = pytest.mark.django_db


def run(org, alice, content: str | bytes):
    data = content.encode() if isinstance(content, str) else content
    return brand_list_import(organization=org, actor=alice, content=data)


def nothing_changed(org) -> bool:
    return not (
        Brand.objects.filter(organization=org).exists()
        or BrandGroup.objects.filter(organization=org).exists()
        or BrandAlias.objects.filter(organization=org).exists()
    )


def test_a_plain_list_tracks_one_brand_per_line(org_a, alice):
    summary = run(org_a, alice, "Acme Rockets\n\n  Globex \r\nInitech\n")

    assert summary.added == ["Acme Rockets", "Globex", "Initech"]
    assert set(Brand.objects.values_list("status", flat=True)) == {BrandStatus.TRACKED}


def test_a_csv_sets_aliases_website_industry_and_groups(org_a, alice):
    cars = make_industry(org_a, "Automotive")
    content = (
        "Name,Aliases,Website,Industry,Group\n"
        "Acme Rockets,ACR;Acme Rocket Co,acme.example,automotive,Clients;Europe\n"
        '"Globex, Inc.",,https://globex.example,,Competitors\n'
    )

    summary = run(org_a, alice, content)

    assert summary.added == ["Acme Rockets", "Globex, Inc."]
    assert summary.groups_created == ["Clients", "Europe", "Competitors"]
    acme = Brand.objects.get(name="Acme Rockets")
    assert acme.industry == cars and acme.website == "https://acme.example"
    assert sorted(acme.aliases.values_list("alias", flat=True)) == ["ACR", "Acme Rocket Co"]
    assert sorted(acme.groups.values_list("name", flat=True)) == ["Clients", "Europe"]
    assert list(Brand.objects.get(key="globex").groups.values_list("name", flat=True)) == [
        "Competitors"
    ]


def test_a_known_brand_is_updated_and_an_existing_group_reused(org_a, alice):
    discovered = track(org_a, "Globex", status=BrandStatus.UNREVIEWED)
    BrandGroup.objects.create(organization=org_a, name="Competitors")

    summary = run(org_a, alice, "name,group\nGlobex,competitors\n")

    assert (summary.added, summary.updated, summary.groups_created) == ([], ["Globex"], [])
    discovered.refresh_from_db()
    assert discovered.status == BrandStatus.TRACKED
    assert list(discovered.groups.values_list("name", flat=True)) == ["Competitors"]


def test_bad_rows_are_skipped_with_the_reason_and_the_others_imported(org_a, alice):
    make_industry(org_a, "Automotive")
    content = (
        "name,website,industry,group\n"
        "Acme,,,Clients\n"
        "X,,,\n"
        f"{'L' * 300},,,\n"
        "ACME,,,\n"
        "Globex,not a web address,,\n"
        "Initech,,Spaceships,NewGroup\n"
        "Hooli,,,\n"
    )

    summary = run(org_a, alice, content)

    assert summary.added == ["Acme", "Hooli"]
    assert summary.skipped == [
        (3, "X", "“X” is too short: a brand name needs 2 characters."),
        (4, "L" * 80, "The name is 300 characters long; the limit is 200."),
        (5, "ACME", "The same brand as line 2."),
        (6, "Globex", "“https://not a web address” is not a web address."),
        (7, "Initech", summary.skipped[4][2]),
    ]
    assert summary.skipped[4][2].startswith("Unknown industry “Spaceships”: use one of ")
    assert "Automotive" in summary.skipped[4][2]
    assert set(Brand.objects.values_list("name", flat=True)) == {"Acme", "Hooli"}
    # The skipped row's new group was rolled back with it.
    assert list(BrandGroup.objects.values_list("name", flat=True)) == ["Clients"]
    assert summary.groups_created == ["Clients"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The list is empty: write one brand per line, or upload a CSV."),
        (b"  \n\n ", "The list is empty: write one brand per line, or upload a CSV."),
        (b"name,aliases\n\n", "The list has no brand in it."),
        (
            b"name,webiste,colour\nAcme,acme.example,red\n",
            "Unknown columns “webiste”, “colour”: the columns are name, aliases, website, "
            "industry, group.",
        ),
        (
            b"Acme,acme.example\nGlobex,globex.example\n",
            "A CSV needs a header row naming its columns: name, aliases, website, industry, "
            "group. For a plain list, write one brand name per line.",
        ),
        (
            "Nestlé\n".encode("latin-1"),
            "The file is not UTF-8 text (byte 6 is not valid). Save it as “CSV UTF-8” and "
            "upload it again.",
        ),
        (
            b"x" * (5 * 1024 * 1024),
            "The list is 5.0 MB; the limit is 1 MB (2,000 brands). Split it into smaller files.",
        ),
        (
            "".join(f"Brand {n}\n" for n in range(2001)).encode(),
            "The list has 2,001 brands; the limit is 2,000. Split it.",
        ),
    ],
    ids=["empty", "blank", "header-only", "unknown-columns", "no-header", "latin1", "5mb", "rows"],
)
def test_a_file_that_cannot_be_imported_is_refused_whole(org_a, alice, content, message):
    with pytest.raises(ValidationError) as error:
        run(org_a, alice, content)

    assert error.value.messages == [message]
    assert nothing_changed(org_a)


def test_the_cap_is_one_megabyte(org_a, alice):
    line = b"Brand name that is long enough to fill the file quickly\n"
    content = line * (MAX_BYTES // len(line) + 1)

    with pytest.raises(ValidationError):
        run(org_a, alice, content)

    assert nothing_changed(org_a)


def test_a_utf8_file_with_a_byte_order_mark_and_accents_is_read(org_a, alice):
    summary = run(org_a, alice, "\ufeffname\nNestlé\nL'Oréal\n".encode())

    assert summary.added == ["Nestlé", "L'Oréal"]


def test_later_rows_see_the_names_and_aliases_of_earlier_rows(org_a, alice):
    content = "name,aliases\nAcme Rockets,ACR\nacr,\nGlobex,Acme Rockets\n"

    summary = run(org_a, alice, content)

    assert (summary.added, summary.updated) == (["Acme Rockets"], ["Acme Rockets"])
    assert summary.skipped == [
        (4, "Globex", "“Acme Rockets” is already a name of another brand (Acme Rockets).")
    ]
    assert set(Brand.objects.values_list("name", flat=True)) == {"Acme Rockets"}


def test_importing_a_rejected_name_lifts_the_rejection(org_a, alice):
    from reports.models import BlockedTerm

    BlockedTerm.objects.create(organization=org_a, term="Apple", normalized="apple")
    BlockedTerm.objects.create(organization=org_a, term="Pear", normalized="pear")

    run(org_a, alice, "Apple Inc.\n")

    assert list(BlockedTerm.objects.values_list("term", flat=True)) == ["Pear"]
