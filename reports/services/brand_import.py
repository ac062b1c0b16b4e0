"""Importing a watchlist: a CSV (header required) or a plain list, one brand name per line.

CSV columns: ``name`` (required), ``aliases`` (separated by ``;``), ``website``, ``industry``,
``group`` (``;`` for several). Column names are matched ignoring case and spaces; a column
we do not know refuses the file, because a misspelt header ("webiste") would otherwise drop
that column's data without a word.

A problem with the whole file (empty, too big, not UTF-8, unknown columns) refuses it and
changes nothing. A problem with one row (a name of one letter or over 200 characters, a
duplicate of an earlier row, a bad web address, an industry the organization does not have)
skips that row, says why, and imports the others: each row is its own savepoint.

An unknown industry skips the row rather than creating the industry: the taxonomy is shared
by every report and chart, and a typo ("Automotve") would add a category nobody wants. A
group that does not exist yet is created: groups are the user's own labels.
"""

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Organization
from reports.models import BrandGroup, Industry
from reports.services.resolution import industries_for
from reports.services.watchlists import (
    BrandIndex,
    brand_create_tracked,
    brand_group_create,
    clean_brand_name,
)

MAX_BYTES = 1024 * 1024
MAX_ROWS = 2000
COLUMNS = ("name", "aliases", "website", "industry", "group")
COLUMN_ALIASES = {"groups": "group", "alias": "aliases", "url": "website", "brand": "name"}


@dataclass
class ImportSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # (line number in the file, the name as written, why it was skipped)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    groups_created: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    name: str
    aliases: list[str] = field(default_factory=list)
    website: str = ""
    industry: str = ""
    groups: list[str] = field(default_factory=list)


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def too_big(size: int) -> str:
    return (
        f"The list is {size / 1024 / 1024:.1f} MB; the limit is 1 MB ({MAX_ROWS:,} brands). "
        "Split it into smaller files."
    )


def _decode(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise ValidationError(too_big(len(content)))
    if not content.strip():
        raise ValidationError("The list is empty: write one brand per line, or upload a CSV.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"The file is not UTF-8 text (byte {error.start + 1} is not valid). "
            "Save it as “CSV UTF-8” and upload it again."
        ) from None


def _column(header: str) -> str:
    name = "".join(header.split()).casefold()
    return COLUMN_ALIASES.get(name, name)


def parse_brand_list(content: bytes) -> list[_Row]:
    """The rows of the file, or a ValidationError for a file that cannot be imported."""
    text = _decode(content)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    header = [_column(cell) for cell in next(csv.reader([first]))] if first else []
    if "name" not in header:
        if any("," in line for line in lines):
            raise ValidationError(
                "A CSV needs a header row naming its columns: name, aliases, website, "
                "industry, group. For a plain list, write one brand name per line."
            )
        rows = [
            _Row(line=number, name=line.strip())
            for number, line in enumerate(lines, start=1)
            if line.strip()
        ]
    else:
        unknown = [cell for cell in header if cell not in COLUMNS]
        if unknown:
            raise ValidationError(
                f"Unknown column{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(f'“{cell}”' for cell in unknown)}: the columns are "
                f"{', '.join(COLUMNS)}."
            )
        reader = csv.reader(io.StringIO(text))
        rows = []
        for record in reader:
            if reader.line_num == 1 or not any(cell.strip() for cell in record):
                continue
            cells = dict(zip(header, record, strict=False))
            rows.append(
                _Row(
                    line=reader.line_num,
                    name=cells.get("name", "").strip(),
                    aliases=_split(cells.get("aliases", "")),
                    website=cells.get("website", "").strip(),
                    industry=cells.get("industry", "").strip(),
                    groups=_split(cells.get("group", "")),
                )
            )
    if not rows:
        raise ValidationError("The list has no brand in it.")
    if len(rows) > MAX_ROWS:
        raise ValidationError(
            f"The list has {len(rows):,} brands; the limit is {MAX_ROWS:,}. Split it."
        )
    return rows


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


@transaction.atomic
def brand_list_import(
    *, organization: Organization, actor: AbstractBaseUser | None, content: bytes
) -> ImportSummary:
    """Track every brand of the list; see the module's docstring for what is refused."""
    rows = parse_brand_list(content)
    summary = ImportSummary()
    industries = {industry.name.casefold(): industry for industry in industries_for(organization)}
    existing = BrandGroup.objects.filter(organization=organization)
    groups = {group.name.casefold(): group for group in existing}
    index = BrandIndex.load(organization)
    seen: dict[str, int] = {}
    for row in rows:
        new_groups: list[str] = []
        try:
            name, key = clean_brand_name(row.name)
            if key in seen:
                raise ValidationError(f"The same brand as line {seen[key]}.")
            seen[key] = row.line
            industry: Industry | None = None
            if row.industry:
                industry = industries.get(row.industry.casefold())
                if industry is None:
                    raise ValidationError(
                        f"Unknown industry “{row.industry}”: use one of "
                        f"{', '.join(sorted(i.name for i in industries.values()))}, "
                        "or leave it empty."
                    )
            with transaction.atomic():
                row_groups = []
                for group_name in row.groups:
                    if group_name.casefold() not in groups:
                        group = brand_group_create(organization=organization, name=group_name)
                        groups[group.name.casefold()] = group
                        new_groups.append(group.name)
                    row_groups.append(groups[group_name.casefold()])
                brand, created = brand_create_tracked(
                    organization=organization,
                    actor=actor,
                    name=name,
                    aliases=row.aliases,
                    website=row.website,
                    industry=industry,
                    groups=row_groups,
                    index=index,
                )
        except ValidationError as error:
            # The row's savepoint rolled its new groups back: forget them too.
            for group_name in new_groups:
                groups.pop(group_name.casefold(), None)
            summary.skipped.append((row.line, row.name[:80], _message(error)))
            continue
        summary.groups_created.extend(new_groups)
        (summary.added if created else summary.updated).append(brand.name)
    return summary
