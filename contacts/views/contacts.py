"""The contacts list, suggestions, a contact's page, its drawer forms, and the contacts of a
brand or of a report's brands."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from accounts.drawer import add_service_errors, drawer_done, next_url, render_drawer
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from contacts.forms import ContactFilterForm, ContactForm
from contacts.models import BrandContact
from contacts.selectors import contacts_filtered, report_brand_people
from contacts.services import contacts as services
from contacts.services.contacts import DuplicateContact, contact_settings_for
from contacts.views.privacy import erase
from reports.models import Brand, Report

CONTACTS_PER_PAGE = 50


def _live_brands(request: HttpRequest) -> QuerySet[Brand]:
    return scoped_queryset(request, Brand).filter(merged_into__isnull=True).order_by("name")


def _listing(request: HttpRequest, *, suggested: bool, template: str) -> HttpResponse:
    # Only brands with someone on this list: an organization may track thousands of brands.
    brands = list(
        _live_brands(request)
        .filter(contacts__suggested=suggested)
        .distinct()
        .values_list("id", "name")
    )
    form = ContactFilterForm(request.GET or None, brands=brands)
    rows = scoped_queryset(request, BrandContact).filter(suggested=suggested)
    rows = contacts_filtered(rows.select_related("brand"), form.filters())
    page = Paginator(rows, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    organization = request_organization(request)
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "filtered": any(value for key, value in request.GET.items() if key != "page"),
            "discovery_enabled": contact_settings_for(organization).discovery_enabled,
        },
    )


def contact_list(request: HttpRequest) -> HttpResponse:
    return _listing(request, suggested=False, template="contacts/contact_list.html")


def suggestion_list(request: HttpRequest) -> HttpResponse:
    return _listing(request, suggested=True, template="contacts/suggestion_list.html")


def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_for_request(
        request, BrandContact.objects.select_related("brand", "created_by"), pk=pk
    )
    drafts = contact.drafts.select_related("report__article").order_by("-updated_at")[:50]
    return render(
        request, "contacts/contact_detail.html", {"contact": contact, "drafts": list(drafts)}
    )


def _contact_form(request: HttpRequest, contact: BrandContact | None) -> HttpResponse:
    initial: dict[str, object] = {}
    if contact is not None:
        initial = {name: getattr(contact, name) for name in ContactForm.FIELDS}
    elif request.GET.get("brand", "").isdigit():
        brand = _live_brands(request).filter(pk=int(request.GET["brand"])).first()
        initial = {"brand": brand, "company": brand.name} if brand else {}
    form = ContactForm(request.POST or None, initial=initial, brands=_live_brands(request))
    default_next = contact.get_absolute_url() if contact else reverse("contacts:list")
    context: dict[str, object] = {
        "form": form,
        "contact": contact,
        "next": next_url(request, default_next),
    }
    if request.method == "POST" and form.is_valid():
        try:
            if contact is None:
                contact = services.contact_create(
                    organization=request_organization(request),
                    actor=request.user,
                    **form.contact_values(),
                )
                messages.success(request, f"{contact.full_name} added to the contacts.")
            else:
                services.contact_update(contact=contact, **form.contact_values())
                messages.success(request, f"{contact.full_name} saved.")
        except DuplicateContact as duplicate:
            add_service_errors(form, duplicate)
            context["duplicate"] = duplicate.duplicate.contact
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return drawer_done(request, next_url(request, contact.get_absolute_url()))
    return render_drawer(request, "contacts/contact_form.html", context)


def contact_create(request: HttpRequest) -> HttpResponse:
    return _contact_form(request, None)


def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _contact_form(request, get_object_for_request(request, BrandContact, pk=pk))


def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a suggestion; a contact's delete is its erasure (owners and admins, with a
    reason), so removing a person always leaves the audit entry and the fingerprint."""
    contact = get_object_for_request(request, BrandContact.objects.select_related("brand"), pk=pk)
    if not contact.suggested:
        return erase(request, pk)
    back = reverse("contacts:suggestions")
    if request.method == "POST":
        name = contact.full_name
        services.suggestion_delete(suggestion=contact)
        messages.success(request, f"Suggestion {name} deleted.")
        return drawer_done(request, next_url(request, back))
    return render_drawer(
        request,
        "contacts/contact_delete.html",
        {"contact": contact, "next": next_url(request, back)},
    )


@require_POST
def suggestion_import(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = get_object_for_request(request, BrandContact, pk=pk)
    contact = suggestion
    try:
        contact, created = services.suggestion_import(suggestion=suggestion, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if created:
            messages.success(request, f"{contact.full_name} imported as a contact (unverified).")
        else:
            messages.success(
                request,
                f"{contact.full_name} was already a contact: the suggestion's details were "
                "added where they were missing.",
            )
    # From a report's "View contacts" drawer: the drawer again, now listing the contact.
    report_pk = request.POST.get("report", "")
    if request.htmx and report_pk.isdigit():
        return _report_drawer(request, int(report_pk), with_toasts=True)
    return redirect(next_url(request, contact.get_absolute_url()))


@require_POST
def suggestion_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = get_object_for_request(request, BrandContact.objects.suggestions(), pk=pk)
    name = suggestion.full_name
    services.suggestion_delete(suggestion=suggestion)
    messages.success(request, f"Suggestion {name} dismissed.")
    return redirect(next_url(request, reverse("contacts:suggestions")))


def brand_contacts(request: HttpRequest, brand_pk: int) -> HttpResponse:
    """The contacts section of the brand page (loaded into it), or a page of its own."""
    brand = get_object_for_request(request, Brand, pk=brand_pk)
    rows = scoped_queryset(request, BrandContact).filter(brand=brand)
    organization = request_organization(request)
    context = {
        "brand": brand,
        "contacts": list(rows.contacts().order_by("-verified", "full_name")),
        "suggestions": list(rows.suggestions().order_by("full_name")),
        "discovery_enabled": contact_settings_for(organization).discovery_enabled,
        "last_run": brand.discovery_runs.order_by("-created_at").first(),
        "next": next_url(request, brand.get_absolute_url()),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "contacts/brand_contacts.html#section", context)
    return render(request, "contacts/brand_contacts.html", context)


def _report_drawer(request: HttpRequest, report_pk: int, *, with_toasts: bool) -> HttpResponse:
    report = get_object_for_request(request, Report.objects.select_related("article"), pk=report_pk)
    organization = request_organization(request)
    return render_drawer(
        request,
        "contacts/report_contacts.html",
        {
            "report": report,
            "people": report_brand_people(report),
            "discovery_enabled": contact_settings_for(organization).discovery_enabled,
            # Actions taken in the drawer come back to the page it was opened on.
            "next": next_url(request, report.get_absolute_url()),
            "with_toasts": with_toasts,
        },
    )


def report_contacts(request: HttpRequest, report_pk: int) -> HttpResponse:
    """ "View contacts" of a report: the people at each brand it mentions, in the drawer."""
    return _report_drawer(request, report_pk, with_toasts=False)


urlpatterns: list[URLPattern] = [
    path("", contact_list, name="list"),
    path("suggestions/", suggestion_list, name="suggestions"),
    path("new/", contact_create, name="create"),
    path("<int:pk>/", contact_detail, name="detail"),
    path("<int:pk>/edit/", contact_edit, name="edit"),
    path("<int:pk>/delete/", contact_delete, name="delete"),
    path("<int:pk>/import/", suggestion_import, name="suggestion_import"),
    path("<int:pk>/dismiss/", suggestion_dismiss, name="suggestion_dismiss"),
    path("brands/<int:brand_pk>/", brand_contacts, name="brand_contacts"),
    path("reports/<int:report_pk>/", report_contacts, name="report_contacts"),
]
