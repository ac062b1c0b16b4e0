"""The keyword rules page: list with the month's saving, drawer form with a live preview,
enable/disable and delete."""

from collections.abc import Mapping

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.drawer import add_service_errors, drawer_done, next_url, render_drawer
from accounts.tenancy import get_object_for_request, request_organization, scoped_queryset
from jobs.models import Job
from reports.keyword_rules import MAX_LENGTH, CompiledRule, QueryError
from reports.models import KeywordRule
from reports.services import keyword_rules as rule_services

SYNTAX_HELP = (
    "Words match whole words, ignoring case and accents. Combine with AND, OR, NOT (capitals; "
    'plain adjacency means AND), "exact phrases", (parentheses), word* for prefixes and '
    "tesla NEAR/5 recall for words at most 5 words apart."
)


class KeywordRuleForm(forms.Form):
    name = forms.CharField(max_length=100)
    include = forms.CharField(
        required=False,
        max_length=MAX_LENGTH,
        label="Analyse only articles matching",
        help_text=f"Blank: every article. {SYNTAX_HELP}",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    exclude = forms.CharField(
        required=False,
        max_length=MAX_LENGTH,
        label="Never analyse articles matching",
        help_text="Excluded articles are kept and marked, and never sent to the LLM.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    job = forms.ModelChoiceField(
        queryset=Job.objects.none(),
        required=False,
        empty_label="Every job (organization-wide)",
        label="Applies to",
    )
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: object, organization: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["job"].queryset = Job.objects.filter(organization=organization).order_by("name")

    def _expression(self, field: str) -> str:
        value = self.cleaned_data.get(field, "")
        if value.strip():
            try:
                CompiledRule.compile(include=value, exclude="")
            except QueryError as error:
                raise ValidationError(str(error)) from error
        return value

    def clean_include(self) -> str:
        return self._expression("include")

    def clean_exclude(self) -> str:
        return self._expression("exclude")


def keyword_rule_list(request: HttpRequest) -> HttpResponse:
    organization = request_organization(request)
    rules = (
        scoped_queryset(request, KeywordRule).select_related("job").order_by("job__name", "name")
    )
    return render(
        request,
        "reports/keyword_rule_list.html",
        {"rules": rules, "savings": rule_services.exclusion_savings(organization)},
    )


def _rule_form(request: HttpRequest, rule: KeywordRule | None) -> HttpResponse:
    organization = request_organization(request)
    initial: dict[str, object] = {"enabled": True}
    if rule is not None:
        initial = {
            "name": rule.name,
            "include": rule.include,
            "exclude": rule.exclude,
            "job": rule.job_id,
            "enabled": rule.enabled,
        }
    elif request.GET.get("job", "").isdigit():
        initial["job"] = int(request.GET["job"])
    form = KeywordRuleForm(request.POST or None, initial=initial, organization=organization)
    back = next_url(request, reverse("reports:rules"))
    context: dict[str, object] = {"form": form, "rule": rule, "back": back}
    if request.method == "POST" and "_preview" in request.POST:  # The no-JavaScript preview.
        context.update(_preview_context(request, request.POST))
        return render_drawer(request, "reports/keyword_rule_form.html", context)
    if request.method == "POST" and form.is_valid():
        values = {key: form.cleaned_data[key] for key in ("name", "include", "exclude", "job")}
        try:
            if rule is None:
                rule = rule_services.keyword_rule_create(
                    organization=organization, enabled=form.cleaned_data["enabled"], **values
                )
                messages.success(
                    request, f"Rule “{rule}” created; it applies from the next analysis."
                )
            else:
                rule_services.keyword_rule_update(
                    rule=rule, enabled=form.cleaned_data["enabled"], **values
                )
                messages.success(
                    request, f"Rule “{rule}” saved; reports already made are unchanged."
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return drawer_done(request, back)
    # The drawer opens with its preview computed: asking for it on "load" raced the typing
    # (a slow first answer replaced the preview element and lost the triggers typed meanwhile).
    values = request.POST if request.method == "POST" else initial
    context.update(_preview_context(request, values))
    return render_drawer(request, "reports/keyword_rule_form.html", context)


def keyword_rule_create(request: HttpRequest) -> HttpResponse:
    return _rule_form(request, None)


def keyword_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _rule_form(request, get_object_for_request(request, KeywordRule, pk=pk))


def _preview_context(request: HttpRequest, values: Mapping[str, object]) -> dict[str, object]:
    """How the expressions being typed judge the latest articles, or what is wrong with them."""
    include, exclude = str(values.get("include") or ""), str(values.get("exclude") or "")
    job_id = str(values.get("job") or "")
    job = scoped_queryset(request, Job).filter(pk=int(job_id)).first() if job_id.isdigit() else None
    errors = {}
    for field, expression in (("include", include), ("exclude", exclude)):
        if expression.strip():
            try:
                CompiledRule.compile(include=expression, exclude="")
            except QueryError as error:
                errors[field] = str(error)
    if errors:
        return {"errors": errors}
    preview = rule_services.keyword_rule_preview(
        organization=request_organization(request), include=include, exclude=exclude, job=job
    )
    return {"preview": preview}


@require_POST
def keyword_rule_preview(request: HttpRequest) -> HttpResponse:
    """The drawer's live preview (htmx, debounced as the user types)."""
    context = _preview_context(request, request.POST)
    return render(request, "reports/keyword_rule_form.html#rule_preview", context)


@require_POST
def keyword_rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_for_request(request, KeywordRule, pk=pk)
    rule_services.keyword_rule_set_enabled(rule=rule, enabled=not rule.enabled)
    state = "enabled" if rule.enabled else "disabled"
    messages.success(request, f"Rule “{rule}” {state}; it counts from the next analysis.")
    return redirect(next_url(request, reverse("reports:rules")))


def keyword_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_for_request(request, KeywordRule, pk=pk)
    back = next_url(request, reverse("reports:rules"))
    if request.method == "POST":
        name = str(rule)
        rule_services.keyword_rule_delete(rule=rule)
        messages.success(
            request, f"Rule “{name}” deleted. Articles it excluded stay marked with its name."
        )
        return drawer_done(request, back)
    return render_drawer(request, "reports/keyword_rule_delete.html", {"rule": rule, "back": back})
