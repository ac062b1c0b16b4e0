"""Email drafts: compose in the drawer, save, mark as sent, list.

The compose drawer posts back a signed ``provenance`` (contact, report, template, tone, and
the model and tokens that wrote the text), so a draft is stored with what really wrote it
and a user cannot claim another contact or model by editing hidden fields.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from accounts.drawer import add_service_errors, drawer_done, next_url, render_drawer
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from contacts.drafting.mailto import MAILTO_MAX_LENGTH, TRUNCATION_NOTE, mailto_link
from contacts.forms_drafts import (
    DraftFilterForm,
    DraftForm,
    read_provenance,
    sign_provenance,
)
from contacts.models import BrandContact, DraftTemplate, DraftTone, EmailDraft
from contacts.services import drafting
from contacts.services.contacts import contact_settings_for
from reports.models import Report

DRAFTS_PER_PAGE = 50
FORM_TEMPLATE = "contacts/draft_form.html"


def _pk(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _form_for(request: HttpRequest, draft: EmailDraft) -> DraftForm:
    initial = {field: getattr(draft, field) for field in ("template", "tone", "subject", "body")}
    return DraftForm(
        initial={
            **initial,
            "provenance": sign_provenance(draft),
            "next": next_url(request, reverse("contacts:draft_list")),
        }
    )


def _render(
    request: HttpRequest,
    *,
    form: DraftForm,
    draft: EmailDraft,
    saved: EmailDraft | None,
    **extra: Any,
) -> HttpResponse:
    contact = draft.contact
    subject, body = form["subject"].value() or "", form["body"].value() or ""
    link, cut = mailto_link(to=contact.email, subject=subject, body=body)
    if saved is not None:
        action = regenerate_url = reverse("contacts:draft_edit", args=[saved.pk])
    else:
        action = reverse("contacts:draft_new")
        query = f"?contact={contact.pk}" + (f"&report={draft.report_id}" if draft.report_id else "")
        regenerate_url = action + query
    context = {
        "form": form,
        "draft": draft,
        "saved": saved,
        "contact": contact,
        "report": draft.report,
        "action": action,
        "regenerate_url": regenerate_url,
        "read_only": bool(saved and saved.sent),
        "blocked": "",
        "mailto": link,
        "mailto_cut": cut,
        "mailto_max": MAILTO_MAX_LENGTH,
        "mailto_note": TRUNCATION_NOTE,
        **extra,
    }
    if contact.do_not_contact:
        context["blocked"] = (
            f"{contact.full_name} is marked “do not contact”: no email can be drafted or sent "
            "to them."
        )
    return render_drawer(request, FORM_TEMPLATE, context)


def _compose(
    request: HttpRequest,
    *,
    contact: BrandContact,
    report: Report | None,
    template: str,
    tone: str,
    saved: EmailDraft | None = None,
) -> HttpResponse:
    try:
        composed = drafting.draft_compose(
            organization=request_organization(request),
            contact=contact,
            report=report,
            template=template,
            tone=tone,
            actor=request.user,
        )
    except ValidationError as error:
        # Do-not-contact, or a suggestion: say why instead of showing a draft.
        blocked = " ".join(error.messages)
        context = {"contact": contact, "blocked": blocked, "saved": saved, "form": None}
        return render_drawer(request, FORM_TEMPLATE, context)
    draft = composed.draft
    return _render(
        request,
        form=_form_for(request, draft),
        draft=draft,
        saved=saved,
        notice=composed.notice,
        notice_detail=composed.notice_detail,
    )


def _choice(value: str | None, choices: type[DraftTemplate] | type[DraftTone], default: str) -> str:
    return value if value in choices.values else default


def draft_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, saved=None)
    contact = get_object_for_request(
        request, BrandContact.objects.select_related("brand"), pk=_pk(request.GET.get("contact"))
    )
    report_pk = _pk(request.GET.get("report"))
    report = (
        get_object_for_request(request, Report.objects.select_related("article"), pk=report_pk)
        if report_pk
        else None
    )
    return _compose(
        request,
        contact=contact,
        report=report,
        template=_choice(request.GET.get("template"), DraftTemplate, DraftTemplate.PITCH),
        tone=_choice(
            request.GET.get("tone"),
            DraftTone,
            contact_settings_for(request.organization).default_tone,
        ),
    )


def _drafts(request: HttpRequest) -> QuerySet[EmailDraft]:
    return scoped_queryset(
        request, EmailDraft.objects.select_related("contact__brand", "report__article")
    )


def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_for_request(request, _drafts(request), pk=pk)
    if request.method == "POST":
        return _submit(request, saved=saved)
    wants_new = "template" in request.GET or "tone" in request.GET
    if wants_new and not saved.sent and not saved.contact.do_not_contact:
        return _compose(
            request,
            contact=saved.contact,
            report=saved.report,
            template=_choice(request.GET.get("template"), DraftTemplate, saved.template),
            tone=_choice(request.GET.get("tone"), DraftTone, saved.tone),
            saved=saved,
        )
    return _render(request, form=_form_for(request, saved), draft=saved, saved=saved)


def _submit(request: HttpRequest, *, saved: EmailDraft | None) -> HttpResponse:
    form = DraftForm(request.POST)
    form.is_valid()  # For add_service_errors; the services validate what is stored.
    facts = read_provenance(request.POST.get("provenance", ""))
    if facts is None or (saved is not None and facts["contact"] != saved.contact_id):
        return HttpResponseBadRequest("This draft form is damaged or out of date: open it again.")
    contact = get_object_for_request(
        request, BrandContact.objects.select_related("brand"), pk=facts["contact"]
    )
    report = (
        get_object_for_request(
            request, Report.objects.select_related("article"), pk=facts["report"]
        )
        if facts["report"]
        else None
    )
    action = request.POST.get("_action", "save")
    if action == "regenerate":  # The no-JavaScript way to change template or tone.
        return _compose(
            request,
            contact=contact,
            report=report,
            template=_choice(form.data.get("template"), DraftTemplate, facts["template"]),
            tone=_choice(form.data.get("tone"), DraftTone, facts["tone"]),
            saved=saved,
        )
    draft = saved or EmailDraft(organization=request_organization(request), contact=contact)
    draft.report = report
    draft.template, draft.tone, draft.model = facts["template"], facts["tone"], facts["model"]
    draft.tokens_in, draft.tokens_out = facts["tokens"]
    draft.generated_at = parse_datetime(facts["at"])
    try:
        with transaction.atomic():
            draft = drafting.draft_save(
                draft=draft,
                subject=form.data.get("subject", ""),
                body=form.data.get("body", ""),
                actor=request.user,
            )
            if action == "sent":
                drafting.draft_mark_sent(draft=draft)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render(request, form=form, draft=draft, saved=saved)
    if action == "sent":
        messages.success(request, f"Email to {contact.full_name} marked as sent.")
        return drawer_done(request, next_url(request, reverse("contacts:draft_list")))
    if not request.htmx:
        messages.success(request, "Draft saved.")
        return redirect(draft.get_absolute_url())
    # Stay in the drawer (now the saved draft's), so Copy and Open still work after saving.
    form = _form_for(request, draft)
    return _render(request, form=form, draft=draft, saved=draft, saved_message="Draft saved.")


@require_POST
def draft_sent(request: HttpRequest, pk: int) -> HttpResponse:
    draft = get_object_for_request(request, _drafts(request), pk=pk)
    try:
        drafting.draft_mark_sent(draft=draft)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Email to {draft.contact.full_name} marked as sent.")
    return drawer_done(request, next_url(request, reverse("contacts:draft_list")))


def draft_delete(request: HttpRequest, pk: int) -> HttpResponse:
    draft = get_object_for_request(request, _drafts(request), pk=pk)
    if request.method == "POST":
        drafting.draft_delete(draft=draft)
        messages.success(request, f"Draft “{draft.subject}” deleted.")
        return drawer_done(request, reverse("contacts:draft_list"))
    return render_drawer(request, "contacts/draft_delete.html", {"draft": draft})


def draft_list(request: HttpRequest) -> HttpResponse:
    form = DraftFilterForm(request.GET or None)
    drafts = _drafts(request).order_by("-updated_at", "-id")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            drafts = drafts.filter(sent=data["status"] == "sent")
        if data["template"]:
            drafts = drafts.filter(template=data["template"])
        if data["written_by"]:
            drafts = (
                drafts.exclude(model="") if data["written_by"] == "ai" else drafts.filter(model="")
            )
        if data["q"]:
            q = data["q"]
            drafts = drafts.filter(
                Q(subject__icontains=q)
                | Q(contact__full_name__icontains=q)
                | Q(contact__brand__name__icontains=q)
            )
    page = Paginator(drafts, DRAFTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "contacts/draft_list.html",
        {"form": form, "page": page, "drafts": page.object_list},
    )


urlpatterns: list[URLPattern] = [
    path("drafts/", draft_list, name="draft_list"),
    path("drafts/new/", draft_new, name="draft_new"),
    path("drafts/<int:pk>/", draft_edit, name="draft_edit"),
    path("drafts/<int:pk>/sent/", draft_sent, name="draft_sent"),
    path("drafts/<int:pk>/delete/", draft_delete, name="draft_delete"),
]
