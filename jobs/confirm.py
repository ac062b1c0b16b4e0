"""The confirm step of the jobs pages' irreversible actions (cancel, bulk, stuck sweep).

The first POST (without ``confirmed``) answers with a confirm form in the shared drawer for
htmx, or as a page of its own without JavaScript; that form posts the same values again with
``confirmed=1``. Nothing changes until then.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse

from accounts.drawer import render_drawer


class ConfirmForm(forms.Form):
    confirmed = forms.CharField(widget=forms.HiddenInput, initial="1")
    action = forms.CharField(widget=forms.HiddenInput, required=False)
    ids = forms.Field(widget=forms.MultipleHiddenInput, required=False)


def is_confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirmed") == "1"


def confirm_step(
    request: HttpRequest,
    *,
    title: str,
    intro: str,
    action: str,
    submit_label: str,
    cancel_url: str,
    carry: dict[str, Any] | None = None,
    danger: bool = True,
) -> HttpResponse:
    """The confirm form; ``carry`` holds the values (``action``, ``ids``) posted again."""
    initial = {"confirmed": "1", **(carry or {})}
    if isinstance(initial.get("ids"), Iterable) and not isinstance(initial.get("ids"), str):
        initial["ids"] = [str(pk) for pk in initial["ids"]]
    context = {
        "title": title,
        "intro": intro,
        "action": action,
        "submit_label": submit_label,
        "cancel_url": cancel_url,
        "danger": danger,
        "confirm_form": ConfirmForm(initial=initial),
    }
    return render_drawer(request, "jobs/confirm.html", context)
