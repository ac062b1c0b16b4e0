"""Responses for the shared slide-out drawer that every create/edit form uses.

A page template defines its form as a ``drawer`` partial (django-template-partials). htmx
requests get only that partial, swapped into the drawer in the base template; a plain request
(no JavaScript) gets the whole page with the same form in it. A form with errors re-renders the
same way, so what the user typed stays in place.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
