"""Responses for the shared slide-out drawer that every create/edit form uses.

A page template defines its form as a ``drawer`` partial (django-template-partials). htmx
requests get only that partial, swapped into the drawer in the base template; a plain request
(no JavaScript) gets the whole page with the same form in it. A form with errors re-renders the
same way, so what the user typed stays in place.
"""

import html
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
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


def html_attrs(attrs: dict[str, Any]) -> SafeString:
    """Attributes as ``django/forms/widgets/attrs.html`` writes them, in their order (unlike
    ``flatatt``, which sorts): ``True`` alone, ``False`` left out."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class FastBoundField(forms.BoundField):
    """``label_tag`` built in Python: Django renders each label through a template, ~0.3 ms
    apiece, and a list page's filter form has a dozen (a third of the reports list's form
    time). Same markup as ``django/forms/label.html``."""

    def label_tag(
        self,
        contents: str | None = None,
        attrs: dict[str, Any] | None = None,
        label_suffix: str | None = None,
        tag: str | None = None,
    ) -> SafeString:
        if tag not in (None, "label"):
            return super().label_tag(contents, attrs, label_suffix, tag)
        contents = contents or self.label
        if label_suffix is None:
            label_suffix = (
                self.field.label_suffix
                if self.field.label_suffix is not None
                else self.form.label_suffix
            )
        if label_suffix and contents and contents[-1] not in ":?.!":
            contents = format_html("{}{}", contents, label_suffix)
        id_ = self.field.widget.attrs.get("id") or self.auto_id
        if not id_:
            return conditional_escape(contents)
        id_for_label = self.field.widget.id_for_label(id_)
        if id_for_label:
            attrs = {**(attrs or {}), "for": id_for_label}
        if self.field.required and hasattr(self.form, "required_css_class"):
            attrs = attrs or {}
            extra = self.form.required_css_class
            attrs["class"] = f"{attrs['class']} {extra}" if "class" in attrs else extra
        return format_html("<label{}>{}</label>", html_attrs(attrs or {}), contents)


class FastInputMixin:
    """An ``<input>`` rendered in Python, the markup of ``django/forms/widgets/input.html``
    without a template render (~0.3 ms each, several per list page)."""

    def render(
        self, name: str, value: object, attrs: dict | None = None, renderer: object = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = widget["value"]
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            name,
            format_html(' value="{}"', shown) if shown is not None else "",
            html_attrs(widget["attrs"]),
        )


class FastTextInput(FastInputMixin, forms.TextInput):
    pass


class FastDateInput(FastInputMixin, forms.DateInput):
    pass


class FastNumberInput(FastInputMixin, forms.NumberInput):
    pass


def _escaped(text: object) -> str:
    """``conditional_escape`` without its lazy-string wrapper: ~4x faster, hundreds of calls
    per select."""
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))


_OPTION_PARTS: dict[tuple, list[tuple[str, str, str]]] = {}
OPTION_PARTS_KEPT = 256


def _option_parts(choices: Any) -> list[tuple[str, str, str]]:
    """Per choice: its value as the selected set compares it, the escaped ``<option value>``
    head and the escaped label tail. Remembered per process for equal choices in the same
    language: the brand filter's hundreds of options were escaped again on every list page
    (~1,000 ``html.escape`` calls a reports list). The key holds each value's and label's type,
    so ``1`` and ``True``, or a plain and a safe label, never share an entry."""
    choices = list(choices)
    key = (
        translation.get_language(),
        tuple((type(value), value, type(label), label) for value, label in choices),
    )
    try:
        parts = _OPTION_PARTS.get(key)
    except TypeError:  # An unhashable value: rendered each time.
        key, parts = None, None
    if parts is None:
        parts = [
            (str(value), f'<option value="{_escaped(value)}"', f">{_escaped(label)}</option>")
            for value, label in choices
        ]
        if key is not None:
            if len(_OPTION_PARTS) >= OPTION_PARTS_KEPT:
                _OPTION_PARTS.clear()
            _OPTION_PARTS[key] = parts
    return parts


class FastSelect(forms.Select):
    """A select rendered in Python, not through a template per option: the brand filter
    lists every tracked brand (hundreds), and Django's option templates cost milliseconds per
    page; so did a ``format_html`` per option."""

    def render(
        self, name: str, value: object, attrs: dict | None = None, renderer: object = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        options = "".join(
            f"{head}{' selected' if key in chosen else ''}{tail}"
            for key, head, tail in _option_parts(self.choices)
        )
        final_attrs = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            # In Django's order (its attrs.html), not flatatt's sorted one.
            html_attrs(final_attrs),
            mark_safe(options),  # noqa: S308 - every part escaped above
        )


class FilterForm(forms.Form):
    """A list page's filter form. Its fields take ids of their own (``filter-q``): a form
    opened in the drawer over the page keeps Django's ``id_<name>``, and two fields with one id
    break labels (a tap on the drawer's "Brand" label went to the filter's select)."""

    bound_field_class = FastBoundField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)

    def set_choices(self, name: str, choices: list[tuple[int | str, str]]) -> None:
        """``self.fields[name].choices = choices`` without Django's ``normalize_choices``,
        which the field's and the widget's setters each run over every entry (the reports
        list's brand filter has hundreds: ~3 ms a page). A list of (value, label) pairs with
        plain labels is already the form it normalizes to (a test compares them)."""
        field = self.fields[name]
        field._choices = field.widget._choices = list(choices)
