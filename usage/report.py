"""One organization's usage over a Span, as rows per period: what the page draws, the CSV
writes, and the billing export sends."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marketing_hunting.spreadsheets import escape_formula
from reports.exports.writer import UTF8_BOM
from usage.periods import DAYS, Span
from usage.selectors import (
    COUNTED,
    MONEY,
    ModelCounts,
    Usage,
    active_users_by_month,
    active_users_in_range,
    by_month,
    total,
    usage_by_day,
)


@dataclass
class UsageReport:
    span: Span
    rows: list[tuple[Any, Usage]]  # (Period, figures), every period of the span, oldest first
    total: Usage
    models: list[str]  # by tokens, most first

    def model_totals(self) -> list[tuple[str, ModelCounts]]:
        return [(model, self.total.by_model[model]) for model in self.models]


def usage_report(organization_id: int, span: Span) -> UsageReport:
    days = usage_by_day(start=span.start, end=span.end, organization_ids=[organization_id]).get(
        organization_id, {}
    )
    active = active_users_in_range(
        start=span.start, end=span.end, organization_ids=[organization_id]
    ).get(organization_id, 0)
    if span.view == DAYS:
        figures = days
    else:
        monthly = active_users_by_month(
            start=span.start, end=span.end, organization_ids=[organization_id]
        ).get(organization_id, {})
        figures = by_month(days, monthly)
    rows = [(period, figures.get(period.start) or Usage()) for period in span.periods]
    summed = total((usage for _, usage in rows), active)
    models = sorted(summed.by_model, key=lambda m: (-summed.by_model[m].tokens, m))
    return UsageReport(span, rows, summed, models)


def _money(value: Decimal) -> str:
    return f"{value:.6f}"


def csv_headings(report: UsageReport) -> list[str]:
    head = [report.span.unit.capitalize(), *[heading for _, heading in COUNTED]]
    for model in report.models:
        head += [f"{model} tokens", f"{model} cost (USD)"]
    return head


def csv_rows(report: UsageReport) -> list[list[Any]]:
    rows = []
    for period, usage in report.rows:
        row: list[Any] = [period.start.isoformat()[: 10 if report.span.view == DAYS else 7]]
        row += [_money(usage[key]) if key in MONEY else usage[key] for key, _ in COUNTED]
        for model in report.models:
            counts = usage.by_model.get(model) or ModelCounts()
            row += [counts.tokens, _money(counts.cost)]
        rows.append(row)
    return rows


def usage_csv(report: UsageReport) -> bytes:
    """UTF-8 with a BOM (Excel reads accents then), every text cell formula-safe (a model's
    name comes from a provider or an organization's settings)."""
    out = io.StringIO()
    out.write(UTF8_BOM)
    writer = csv.writer(out)
    writer.writerow([escape_formula(cell) for cell in csv_headings(report)])
    for row in csv_rows(report):
        writer.writerow([escape_formula(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def usage_json(report: UsageReport) -> dict[str, Any]:
    """The same figures as data (the billing export's JSON)."""

    def figures(usage: Usage) -> dict[str, Any]:
        data: dict[str, Any] = {
            key: _money(usage[key]) if key in MONEY else usage[key] for key, _ in COUNTED
        }
        data["by_model"] = {
            model: {
                "llm_calls": c.llm_calls,
                "tokens_in": c.tokens_in,
                "tokens_out": c.tokens_out,
                "cost": _money(c.cost),
            }
            for model, c in sorted(usage.by_model.items())
        }
        return data

    return {
        "period": report.span.unit,
        "start": report.span.start.isoformat(),
        "end": report.span.end.isoformat(),
        "total": figures(report.total),
        "rows": [
            {"start": period.start.isoformat(), **figures(usage)} for period, usage in report.rows
        ],
    }
