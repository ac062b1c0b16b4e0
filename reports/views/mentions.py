"""Review actions on a report's mentions: confirm, reject, "this is actually…".

Confirm and reject answer htmx with the mention's row (a partial of the report page) and the
toast, swapped out of band; without JavaScript they redirect back to the report.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.drawer import drawer_done, render_drawer
from accounts.models import Organization
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from reports.forms import ReassignForm
from reports.models import Brand, BrandAlias, Mention
from reports.normalize import normalize_brand
from reports.services import feedback
from reports.services.resolution import Resolver

MENTIONS = Mention.objects.select_related("brand", "report", "reviewed_by")


def _mention(request: HttpRequest, pk: int) -> Mention:
    return get_object_for_request(request, MENTIONS, pk=pk)


def _row_response(request: HttpRequest, mention: Mention) -> HttpResponse:
    # The dashboard's review queue posts here too; it gets its own item back, or itself.
    if request.POST.get("from") == "dashboard":
        if request.htmx:
            mention = Mention.objects.select_related("brand", "report__article").get(pk=mention.pk)
            return render(request, "accounts/dashboard.html#review_update", {"mention": mention})
        return redirect("dashboard")
    if request.htmx:
        mention = MENTIONS.get(pk=mention.pk)
        return render(
            request,
            "reports/report_detail.html#mention_update",
            {"mention": mention, "report": mention.report},
        )
    return redirect(f"{mention.report.get_absolute_url()}#mention-{mention.pk}")


@require_POST
def mention_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    mention = _mention(request, pk)
    feedback.mention_confirm(mention=mention, actor=request.user)
    messages.success(request, f"Confirmed: the article names “{mention.brand}”.")
    return _row_response(request, mention)


@require_POST
def mention_reject(request: HttpRequest, pk: int) -> HttpResponse:
    mention = _mention(request, pk)
    feedback.mention_reject(mention=mention, actor=request.user)
    messages.success(
        request, f"Rejected “{mention.surface}”: it will not be reported as a brand again."
    )
    return _row_response(request, mention)


def _brand_named(organization: Organization, name: str) -> Brand | None:
    """The organization's live brand with this name or alias; else a match or a new brand
    from entity resolution (a new brand starts unreviewed, and reassigning tracks it)."""
    key = normalize_brand(name)
    if not key:
        return None
    live = Brand.objects.filter(organization=organization, merged_into__isnull=True)
    brand = live.filter(key=key).first()
    if brand is None:
        alias = (
            BrandAlias.objects.filter(
                organization=organization, normalized=key, brand__merged_into__isnull=True
            )
            .select_related("brand")
            .first()
        )
        brand = alias.brand if alias else None
    return brand or Resolver(organization).resolve(name)


def mention_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    mention = _mention(request, pk)
    organization = request_organization(request)
    form = ReassignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["brand"]
        try:
            with transaction.atomic():
                brand = _brand_named(organization, name)
                if brand is None:
                    raise ValidationError("Enter a brand name.")
                if brand.pk == mention.brand_id:
                    raise ValidationError(f"This mention is already “{brand}”: confirm it instead.")
                feedback.mention_reassign(mention=mention, brand=brand, actor=request.user)
        except ValidationError as error:
            form.add_error("brand", error.messages)
        else:
            messages.success(
                request, f"“{mention.surface}” is now a mention of “{brand}”, and its alias."
            )
            return drawer_done(request, mention.report.get_absolute_url())
    brand_names = (
        scoped_queryset(request, Brand)
        .filter(merged_into__isnull=True)
        .exclude(pk=mention.brand_id)
        .order_by("name")
        .values_list("name", flat=True)
    )
    return render_drawer(
        request,
        "reports/mention_reassign.html",
        {"mention": mention, "report": mention.report, "form": form, "brand_names": brand_names},
    )
