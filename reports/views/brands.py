"""The brands list, the brand page and the edits made from it (drawer forms and aliases)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.drawer import add_service_errors, drawer_done, render_drawer
from accounts.models import Organization
from accounts.request_cache import cached_for_organization, cached_markup
from accounts.tenancy import get_object_for_request, request_organization
from reports import analytics, selectors
from reports.charts import daily_bar_chart, sparkline
from reports.exports.ranges import RangePreset, resolve_range
from reports.forms import AliasForm, BrandFilterForm, BrandForm, BrandPickForm
from reports.models import (
    Brand,
    BrandAlias,
    BrandSeparation,
    BrandStatus,
    FeedbackEvent,
    Mention,
)
from reports.rollups.models import RollupState
from reports.services import feedback
from reports.services.brand_knowledge import knowledge_base_label
from reports.services.watchlists import brand_groups_set
from reports.views.analytics import brand_charts, mentions_table
from reports.views.brand_rows import recent_rows_html

BRANDS_PER_PAGE = 50
SPARKLINE_DAYS = 30
RECENT_MENTIONS = 20
HISTORY_EVENTS = 50


def _url(brand: Brand) -> str:
    return brand.get_absolute_url()


def _brand(request: HttpRequest, pk: int) -> Brand:
    return get_object_for_request(
        request, Brand.objects.select_related("industry", "merged_into"), pk=pk
    )


def brand_list(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    # Cached until an industry or group changes (accounts.request_cache).
    choices = cached_for_organization(
        organization.pk,
        "brand-filter-choices",
        lambda: selectors.brand_filter_choices(organization),
    )
    form = BrandFilterForm(
        request.GET or None, industries=choices["industry"], groups=choices["group"]
    )
    data = form.valid_data() if form.is_bound else {}
    brands = selectors.brand_list(
        organization,
        q=data.get("q") or "",
        status=data.get("status"),
        group_id=data.get("group"),
    )
    if data.get("industry"):
        brands = brands.filter(industry_id=data["industry"])
    page = Paginator(brands, BRANDS_PER_PAGE).get_page(request.GET.get("page"))
    # One query for the trend lines of the whole page.
    series = selectors.daily_mentions(
        organization, [brand.pk for brand in page.object_list], days=SPARKLINE_DAYS
    )
    rows = [(brand, sparkline(series[brand.pk])) for brand in page.object_list]
    return render(
        request,
        "reports/brand_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "filtered": any(data.values()) or bool(form.errors),
            "to_review": Brand.objects.filter(
                organization=organization,
                status=BrandStatus.UNREVIEWED,
                merged_into__isnull=True,
            ).count(),
            "knowledge_base": knowledge_base_label(),
        },
    )


def _describe(event: FeedbackEvent) -> str:
    """One line about what a feedback event changed."""
    details = event.details or {}
    if "changes" in details:
        return "; ".join(
            f"{field}: {old or '—'} → {new or '—'}"
            for field, (old, new) in details["changes"].items()
        )
    if "alias" in details:
        return f"“{details['alias']}”"
    if "term" in details:
        return f"blocked “{details['term']}”"
    if "mentions_moved" in details:
        return f"{details['mentions_moved']} mentions moved"
    if event.mention_id:
        return f"“{event.mention.surface}”"
    return ""


def _brand_figures(organization: Organization, brand: Brand) -> dict:
    """The brand page's charts and totals."""
    span = resolve_range(preset=RangePreset.LAST_90_DAYS, time_zone=organization.time_zone)
    timeline = analytics.timeline(organization, [brand.pk], span)
    series = timeline.by_brand[brand.pk]
    totals = Mention.objects.filter(brand=brand).aggregate(
        total=Count("id"), to_review=Count("id", filter=Q(review_status="unreviewed"))
    )
    return {
        "chart": daily_bar_chart(series, end=span.end, title=f"Mentions of {brand.name}"),
        "chart_total": sum(series),
        "chart_table": mentions_table(timeline, brand, span),
        "charts": brand_charts(organization, brand, timeline, span),
        "totals": totals,
    }


def _recent_mentions(organization: Organization, brand: Brand) -> list[Mention]:
    return list(
        # With the organization, the (organization, brand, time) index serves the order.
        Mention.objects.filter(organization=organization, brand=brand)
        .select_related("report__article")
        .defer("report__article__text", "report__article__summary", "report__summary")
        .order_by("-mentioned_at", "-id")[:RECENT_MENTIONS]
    )


def brand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    brand = _brand(request, pk)
    organization = request_organization(request)
    # The organization's last 90 days, counted like the Analytics page (one query gives the
    # mentions per day and their sentiment).
    # The mention aggregates and their charts are the page's costliest part (two scans of the
    # brand's mentions, SVG drawing): cached under the organization's generation, which any
    # mention, report or brand write replaces (accounts.request_cache).
    figures = cached_for_organization(
        organization.pk, f"brand-figures:{brand.pk}", lambda: _brand_figures(organization, brand)
    )
    # The rows' markup too: its mentions, reports and articles are all under the generation.
    recent_rows = cached_markup(
        organization.pk,
        f"brand-recent:{brand.pk}",
        lambda: recent_rows_html(_recent_mentions(organization, brand)),
    )
    events = brand.events.select_related("actor", "mention").order_by("-created_at")[
        :HISTORY_EVENTS
    ]
    return render(
        request,
        "reports/brand_detail.html",
        {
            "brand": brand,
            **figures,
            "aliases": brand.aliases.order_by("alias"),
            "alias_form": AliasForm(),
            "recent": recent_rows,
            "history": [(event, _describe(event)) for event in events],
            "kept_apart": BrandSeparation.objects.filter(brand=brand).select_related("other"),
            "merged_brands": brand.merged_brands.order_by("name"),
            "groups": brand.groups.order_by("name"),
        },
    )


def _updating(brand: Brand) -> str:
    """Said after a merge or an industry change whose story recount is still to run."""
    pending = RollupState.objects.filter(
        organization_id=brand.organization_id, recount_requested_at__isnull=False
    ).exists()
    return " The charts' figures are being updated; this takes a minute or so." if pending else ""


def brand_edit(request: HttpRequest, pk: int) -> HttpResponse:
    brand = _brand(request, pk)
    form = BrandForm(request.POST or None, brand=brand)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        groups = data.pop("groups")
        try:
            with transaction.atomic():
                feedback.brand_update(brand=brand, actor=request.user, **data)
                brand_groups_set(brand=brand, groups=groups)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Brand “{brand}” saved.{_updating(brand)}")
            return drawer_done(request, _url(brand))
    return render_drawer(request, "reports/brand_form.html", {"brand": brand, "form": form})


def brand_merge(request: HttpRequest, pk: int) -> HttpResponse:
    brand = _brand(request, pk)
    form = BrandPickForm(request.POST or None, brand=brand, label="Merge into")
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["other"]
        try:
            feedback.brand_merge(source=brand, target=target, actor=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{brand}” was merged into “{target}”.{_updating(brand)}")
            return drawer_done(request, _url(target))
    moving = {
        "mentions": Mention.objects.filter(brand=brand).count(),
        "aliases": brand.aliases.count(),
    }
    return render_drawer(
        request, "reports/brand_merge.html", {"brand": brand, "form": form, "moving": moving}
    )


def brand_separate(request: HttpRequest, pk: int) -> HttpResponse:
    brand = _brand(request, pk)
    form = BrandPickForm(request.POST or None, brand=brand, label="Keep apart from")
    if request.method == "POST" and form.is_valid():
        other = form.cleaned_data["other"]
        try:
            feedback.brand_separate(brand=brand, other=other, actor=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{brand}” and “{other}” will never be merged.")
            return drawer_done(request, _url(brand))
    return render_drawer(request, "reports/brand_separate.html", {"brand": brand, "form": form})


def _aliases_response(request: HttpRequest, brand: Brand, form: AliasForm) -> HttpResponse:
    if request.htmx:
        return render(
            request,
            "reports/brand_detail.html#aliases_update",
            {"brand": brand, "aliases": brand.aliases.order_by("alias"), "alias_form": form},
        )
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(f"{_url(brand)}#aliases")


@require_POST
def alias_add(request: HttpRequest, pk: int) -> HttpResponse:
    brand = _brand(request, pk)
    form = AliasForm(request.POST)
    if form.is_valid():
        try:
            row = feedback.brand_alias_add(
                brand=brand, alias=form.cleaned_data["alias"], actor=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{row.alias}” is now an alias of “{brand}”.")
            form = AliasForm()
    return _aliases_response(request, brand, form)


@require_POST
def alias_remove(request: HttpRequest, pk: int, alias_pk: int) -> HttpResponse:
    brand = _brand(request, pk)
    alias = get_object_for_request(request, BrandAlias, pk=alias_pk, brand=brand)
    feedback.brand_alias_remove(alias=alias, actor=request.user)
    messages.success(request, f"Alias “{alias.alias}” removed.")
    return _aliases_response(request, brand, AliasForm())
