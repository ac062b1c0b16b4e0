"""Watchlists in the staff pages: add a brand to track, import a list, track / ignore, review
discovered brands in bulk, and manage brand groups."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.drawer import add_service_errors, drawer_done, next_url, render_drawer
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from reports.forms import BrandAddForm, BrandGroupForm, BrandImportForm, BrandReviewForm
from reports.models import Brand, BrandGroup, BrandStatus
from reports.services import watchlists
from reports.services.brand_import import brand_list_import

REVIEW_PER_PAGE = 100


def brand_add(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    form = BrandAddForm(
        request.POST if request.method == "POST" else None,
        organization=organization,
        # Ids of their own: the brands list behind the drawer has an "industry" filter too.
        auto_id="add_%s",
    )
    if request.method == "POST" and form.is_valid():
        try:
            brand, created = watchlists.brand_create_tracked(
                organization=organization,
                actor=request.user,
                name=form.cleaned_data["name"],
                aliases=form.alias_list(),
                website=form.cleaned_data["website"],
                industry=form.cleaned_data["industry"],
                groups=form.cleaned_data["groups"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            verb = "is now tracked" if created else "was already known: it is tracked and updated"
            messages.success(request, f"“{brand}” {verb}.")
            return drawer_done(request, reverse("brands:list") + "?status=tracked")
    return render_drawer(request, "reports/brand_add.html", {"form": form})


def brand_import(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    posted = request.method == "POST"  # An empty post is still a post: "the list is empty".
    form = BrandImportForm(request.POST if posted else None, request.FILES if posted else None)
    summary = None
    if request.method == "POST" and form.is_valid():
        try:
            summary = brand_list_import(
                organization=organization, actor=request.user, content=form.content()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = BrandImportForm()
    return render_drawer(request, "reports/brand_import.html", {"form": form, "summary": summary})


def _status_change(request: HttpRequest, pk: int, *, track: bool) -> HttpResponse:
    brand = get_object_for_request(request, Brand, pk=pk)
    back = next_url(request, brand.get_absolute_url())
    try:
        if track:
            watchlists.brand_track(brand=brand, actor=request.user)
        else:
            watchlists.brand_ignore(brand=brand, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"“{brand}” is tracked: the next articles are matched against it."
            if track
            else f"“{brand}” is ignored: it will not be reported any more.",
        )
    return drawer_done(request, back)


@require_POST
def brand_track(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_change(request, pk, track=True)


@require_POST
def brand_ignore(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_change(request, pk, track=False)


def brand_review(request: HttpRequest) -> HttpResponse:
    """Discovered brands nobody reviewed yet; several at once, confirmed before it happens."""
    organization = request_organization(request)
    form = BrandReviewForm(request.POST or None, organization=organization)
    confirm = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("confirm") != "yes":
            confirm = data  # Shown back with the list of brands and a confirm button.
        else:
            try:
                count = watchlists.brands_review(
                    organization=organization,
                    brands=data["brands"],
                    action=data["action"],
                    target=data["target"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                done = {"track": "tracked", "ignore": "ignored", "merge": "merged"}[data["action"]]
                into = f" into “{data['target']}”" if data["action"] == "merge" else ""
                messages.success(request, f"{count} brand{'s' if count != 1 else ''} {done}{into}.")
                return redirect("brands:review")
    brands = (
        scoped_queryset(request, Brand)
        .filter(status=BrandStatus.UNREVIEWED, merged_into__isnull=True)
        .select_related("industry")
        .annotate(mention_count=Count("mentions"))
        .order_by("-mention_count", "name")
    )
    page = Paginator(brands, REVIEW_PER_PAGE).get_page(request.GET.get("page"))
    chosen = {str(pk) for pk in request.POST.getlist("brands")}
    return render(
        request,
        "reports/brand_review.html",
        {"form": form, "page": page, "confirm": confirm, "chosen": chosen},
    )


def group_list(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    form = BrandGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = watchlists.brand_group_create(
                organization=organization, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Group “{group}” created.")
            return redirect("brands:groups")
    groups = scoped_queryset(request, BrandGroup).annotate(brand_count=Count("brands"))
    return render(
        request,
        "reports/group_list.html",
        {"form": form, "groups": groups.order_by("name")},
    )


def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_for_request(request, BrandGroup, pk=pk)
    form = BrandGroupForm(request.POST or None, initial={"name": group.name})
    if request.method == "POST" and form.is_valid():
        try:
            watchlists.brand_group_rename(group=group, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Group renamed to “{group}”.")
            return drawer_done(request, reverse("brands:groups"))
    return render_drawer(request, "reports/group_form.html", {"group": group, "form": form})


def group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_for_request(request, BrandGroup, pk=pk)
    if request.method == "POST":
        name = group.name
        count = watchlists.brand_group_delete(group=group)
        messages.success(
            request, f"Group “{name}” deleted; its {count} brand{'s' if count != 1 else ''} stay."
        )
        return drawer_done(request, reverse("brands:groups"))
    return render_drawer(
        request,
        "reports/group_delete.html",
        {
            "group": group,
            "brand_count": group.brands.count(),
            # Rules about a group go with it: say so before it happens.
            "alert_rules": ", ".join(
                f"“{name}”" for name in group.alert_rules.values_list("name", flat=True)
            ),
        },
    )
