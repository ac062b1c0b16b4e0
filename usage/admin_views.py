"""Usage across organizations for operators (``/admin/usage/``): one month's figures per
organization, the same counts as each organization's Usage page, with each organization's
monthly export of its billing records (CSV or JSON)."""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from accounts.models import Organization
from usage.periods import parse_month
from usage.selectors import (
    COUNTED,
    MONEY,
    Usage,
    active_users_in_range,
    next_month,
    total,
    usage_by_day,
)


def _export(request: HttpRequest, month, kind: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    from billing.exports import monthly_csv, monthly_json

    try:
        organization = Organization.objects.get(pk=int(request.GET.get("organization", "")))
    except (ValueError, Organization.DoesNotExist):
        raise Http404("No such organization.") from None
    name = f"usage-records-{organization.slug}-{month:%Y-%m}"
    if kind == "json":
        response = HttpResponse(
            json.dumps(monthly_json(organization, month), indent=2),
            content_type="application/json",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    else:
        response = HttpResponse(
            monthly_csv(organization, month), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@login_not_required
@never_cache
def operator_usage_view(request: HttpRequest) -> HttpResponse:
    today = timezone.now().date()
    month, error = parse_month(request.GET.get("month"), today)
    kind = request.GET.get("format")
    if kind in ("csv", "json"):
        return _export(request, month, kind)
    end = next_month(month)

    last = end - timedelta(days=1)
    table = usage_by_day(start=month, end=last)
    active = active_users_in_range(start=month, end=last)
    organizations = list(Organization.objects.order_by("name").only("id", "name", "slug"))
    rows = []
    overall = Usage()
    for organization in organizations:
        days = table.get(organization.pk, {})
        figures = total(days.values(), active.get(organization.pk, 0))
        overall.add(figures)
        rows.append((organization, [_cell(figures, key) for key, _ in COUNTED]))
    rows.sort(key=lambda row: -float(row[1][[k for k, _ in COUNTED].index("cost")]))
    context = {
        **admin.site.each_context(request),
        "title": "Usage across organizations",
        "month": month,
        "error": error,
        "headings": [heading for _, heading in COUNTED],
        "rows": rows,
        "overall": [_cell(overall, key) for key, _ in COUNTED],
    }
    return TemplateResponse(request, "admin/operator_usage.html", context)


def _cell(usage: Usage, key: str) -> str | int:
    value = usage[key]
    return f"{value:.2f}" if key in MONEY else int(value)
