"""Responses for the shared slide-out drawer that every create/edit form uses.

A page template defines its form as a ``drawer`` partial (django-template-partials). htmx
requests get only that partial, swapped into the drawer in the base template; a plain request
(no JavaScript) gets the whole page with the same form in it. A form with errors re-renders the
same way, so what the user typed stays in place.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect


def render_drawer(
    request: HttpRequest, template_name: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    if request.htmx and not request.htmx.boosted:
        return render(request, f"{template_name}#drawer", context, status=status)
    return render(request, template_name, context, status=status)


def drawer_done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful save: reload the page behind the drawer (toast shown there)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, *, rename: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form: next to its field when the form has it
    (``rename`` maps a service field to the form field that stands for it), else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.message_dict.items():
        field = (rename or {}).get(field, field)
        form.add_error(field if field in form.fields else None, errors)


def next_url(request: HttpRequest, default: str) -> str:
    """Where to go back to after an action: a local ``next`` (posted, or in the query), else
    the page behind the drawer (htmx sends it), else ``default``. Never another site."""
    candidates = (
        request.POST.get("next"),
        request.GET.get("next"),
        request.htmx.current_url_abs_path if request.htmx else None,
    )
    for candidate in candidates:
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return default


class FilterForm(forms.Form):
    """A list page's filter form. Its fields take ids of their own (``filter-q``): a form
    opened in the drawer over the page keeps Django's ``id_<name>``, and two fields with one id
    break labels (a tap on the drawer's "Brand" label went to the filter's select)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)
