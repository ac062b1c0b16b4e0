"""``{% url %}`` remembering its answers (marketing_hunting/url_tag.py): every template uses
it, and a remembered URL must be the one Django's tag would give in every situation that
changes it (arguments, script prefix, URLconf, language, current app, failures)."""

import pytest
from django.template import engines
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from marketing_hunting.url_tag import MAX_URLS, CachedURLNode, _urls, forget_urls


def render(source: str, context: dict | None = None, request=None) -> str:
    return engines["django"].from_string(source).render(context or {}, request)


@pytest.fixture(autouse=True)
def _fresh():
    forget_urls()
    yield
    clear_script_prefix()
    set_script_prefix("/")
    forget_urls()


def test_every_template_uses_the_remembering_tag():
    template = engines["django"].from_string("{% url 'dashboard' %}").template
    assert any(isinstance(node, CachedURLNode) for node in template.nodelist)


def test_same_urls_as_reverse_for_names_args_and_kwargs():
    source = (
        "{% url 'dashboard' %}|{% url 'brands:detail' pk %}|{% url 'brands:detail' pk=pk %}"
        "|{% url name pk %}"
    )
    context = {"pk": 7, "name": "reports:detail"}
    expected = "|".join(
        [
            reverse("dashboard"),
            reverse("brands:detail", args=[7]),
            reverse("brands:detail", kwargs={"pk": 7}),
            reverse("reports:detail", args=[7]),
        ]
    )
    assert render(source, context) == expected
    assert render(source, context) == expected  # Remembered, the same.
    assert render(source, {**context, "pk": 8}) == expected.replace("7", "8")


def test_the_script_prefix_is_part_of_the_key():
    assert render("{% url 'dashboard' %}") == "/"
    set_script_prefix("/mh/")
    assert render("{% url 'dashboard' %}") == "/mh/"


def test_a_changed_urlconf_setting_forgets():
    render("{% url 'dashboard' %}")
    assert _urls
    with override_settings(ROOT_URLCONF="tests.marketing_hunting.sentry_urls"):
        assert not _urls


def test_as_var_and_failures_match_django():
    assert render("{% url 'brands:detail' 5 as link %}[{{ link }}]") == "[/brands/5/]"
    # A failure is never remembered: raised without "as", empty with it.
    assert render("{% url 'no-such-page' as link %}[{{ link }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")
    with pytest.raises(NoReverseMatch):
        render("{% url 'brands:detail' 'not-a-number' %}")


def test_arguments_that_are_not_int_or_str_are_not_remembered():
    class Named:
        def __str__(self) -> str:
            return "5"

    assert render("{% url 'brands:detail' thing %}", {"thing": Named()}) == "/brands/5/"
    assert not any(isinstance(arg, Named) for key in _urls for arg in key[1])
    # True equals 1 as a key; Django's tag turns it into "True", which no id pattern takes.
    assert render("{% url 'brands:detail' pk %}", {"pk": 1}) == "/brands/1/"
    with pytest.raises(NoReverseMatch):
        render("{% url 'brands:detail' pk %}", {"pk": True})


def test_the_current_app_is_part_of_the_key():
    request = RequestFactory().get("/")
    request.current_app = "admin"
    assert render("{% url 'admin:index' %}", request=request) == reverse("admin:index")


def test_bounded():
    for pk in range(MAX_URLS + 10):
        render("{% url 'brands:detail' pk %}", {"pk": pk})
    assert len(_urls) <= MAX_URLS
