"""The monthly usage export of one organization: its daily usage records (what billing
reads: closed days are final), as CSV or JSON."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from accounts.models import Organization
from billing.models import UsageRecord
from billing.services import organization_data, usage_data
from marketing_hunting.spreadsheets import escape_formula
from reports.exports.writer import UTF8_BOM
from usage.selectors import next_month

COLUMNS = [
    "date",
    "closed_at",
    "articles_fetched",
    "articles_analysed",
    "llm_calls",
    "llm_tokens_in",
    "llm_tokens_out",
    "llm_cost_usd",
    "llm_batch_saved_usd",
    "discovery_searches",
    "emails_drafted",
    "emails_sent",
    "active_users",
    "storage_articles",
    "storage_bytes",
]
SUMMED = [c for c in COLUMNS if c not in ("date", "closed_at", "storage_articles", "storage_bytes")]


def month_records(organization: Organization, month: date) -> list[UsageRecord]:
    return list(
        UsageRecord.objects.filter(
            organization=organization,
            date__gte=month,
            date__lte=next_month(month) - timedelta(days=1),
        ).order_by("date")
    )


def monthly_json(organization: Organization, month: date) -> dict[str, Any]:
    days = [usage_data(record) for record in month_records(organization, month)]
    totals: dict[str, Any] = {}
    for column in SUMMED:
        if column.endswith("_usd"):
            totals[column] = f"{sum(Decimal(d[column]) for d in days):.6f}"
        else:
            totals[column] = sum(d[column] for d in days)
    return {
        "organization": organization_data(organization),
        "month": f"{month:%Y-%m}",
        "complete": bool(days) and all(d["closed_at"] for d in days),
        "totals": totals,
        "days": days,
    }


def monthly_csv(organization: Organization, month: date) -> bytes:
    out = io.StringIO()
    out.write(UTF8_BOM)
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for record in month_records(organization, month):
        data = usage_data(record)
        writer.writerow([escape_formula(data[column] or "") for column in COLUMNS])
    return out.getvalue().encode("utf-8")
