"""The organization's industry taxonomy: listed for everyone, changed by owners and admins
in the drawer."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.drawer import add_service_errors, drawer_done, render_drawer
from accounts.models import Membership
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from reports.models import Industry
from reports.services import industries

LIST_URL = "brands:industries"


class IndustryForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="e.g. “Food & Beverage”")


def _manager(request: HttpRequest) -> Membership:
    request_organization(request)
    if not request.membership.can_manage_members:
        raise PermissionDenied("Only owners and admins change the industry list.")
    return request.membership


def industry_list(request: HttpRequest) -> HttpResponse:
    request_organization(request)
    rows = scoped_queryset(request, Industry).annotate(brand_count=Count("brands"))
    return render(request, "reports/industry_list.html", {"industries": rows.order_by("name")})


def industry_add(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = IndustryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            industry = industries.industry_add(
                organization=request.organization, actor=actor, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{industry}” added to the industries.")
            return drawer_done(request, reverse(LIST_URL))
    return render_drawer(request, "reports/industry_form.html", {"form": form, "industry": None})


def industry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    industry = get_object_for_request(request, Industry, pk=pk)
    form = IndustryForm(request.POST or None, initial={"name": industry.name})
    if request.method == "POST" and form.is_valid():
        try:
            industries.industry_rename(
                industry=industry, actor=actor, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Renamed to “{industry}”; its brands keep it.")
            return drawer_done(request, reverse(LIST_URL))
    return render_drawer(
        request, "reports/industry_form.html", {"form": form, "industry": industry}
    )


def industry_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    industry = get_object_for_request(request, Industry, pk=pk)
    if request.method == "POST":
        name = industry.name
        count = industries.industry_remove(industry=industry, actor=actor)
        plural = "" if count == 1 else "s"
        messages.success(request, f"“{name}” removed; {count} brand{plural} now have no industry.")
        return drawer_done(request, reverse(LIST_URL))
    return render_drawer(
        request,
        "reports/industry_remove.html",
        {"industry": industry, "brand_count": industry.brands.count()},
    )
