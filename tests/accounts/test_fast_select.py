"""``FastSelect`` remembers its options' escaped markup per process (accounts.drawer): the same
markup as rendering them anew, whatever was remembered before."""

import pytest
from django import forms
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from accounts import drawer
from accounts.drawer import FastSelect


@pytest.fixture(autouse=True)
def _empty_memo(monkeypatch):
    monkeypatch.setattr(drawer, "_OPTION_PARTS", {})


def _fresh(choices, value) -> str:
    """The markup with nothing remembered."""
    drawer._OPTION_PARTS.clear()
    return str(FastSelect(choices=choices).render("f", value))


def _remembered(choices, value) -> str:
    FastSelect(choices=choices).render("f", None)  # Fills the memo.
    return str(FastSelect(choices=choices).render("f", value))


@pytest.mark.parametrize("value", [None, "2", ["1", "2"], "nope"])
def test_remembered_options_render_as_fresh_ones(value):
    choices = [("", "Any"), (1, "Wire <b> & co"), (2, 'Say "hi"')]

    assert _remembered(choices, value) == _fresh(choices, value)
    assert "Wire &lt;b&gt; &amp; co" in _remembered(choices, value)


def test_equal_looking_choices_of_other_types_are_not_shared():
    FastSelect(choices=[(1, "Yes")]).render("f", None)
    assert 'value="True"' in str(FastSelect(choices=[(True, "Yes")]).render("f", None))

    FastSelect(choices=[(1, "<b>x</b>")]).render("f", None)
    safe = str(FastSelect(choices=[(1, mark_safe("<b>x</b>"))]).render("f", None))
    assert "><b>x</b></option>" in safe


def test_a_lazy_label_follows_the_active_language():
    choices = [("", gettext_lazy("January"))]
    with translation.override("en"):
        assert ">January<" in str(FastSelect(choices=choices).render("f", None))
    with translation.override("de"):
        assert ">Januar<" in str(FastSelect(choices=choices).render("f", None))


def test_a_changed_label_shows_at_once():
    FastSelect(choices=[(1, "Wire")]).render("f", None)

    assert ">Newswire<" in str(FastSelect(choices=[(1, "Newswire")]).render("f", None))


def test_the_memo_is_bounded():
    for index in range(drawer.OPTION_PARTS_KEPT + 5):
        FastSelect(choices=[(index, "x")]).render("f", None)

    assert len(drawer._OPTION_PARTS) <= drawer.OPTION_PARTS_KEPT


def test_a_form_field_renders_the_same_as_djangos_select():
    class Form(forms.Form):
        f = forms.ChoiceField(choices=[("a", "A & B"), ("b", "<C>")], widget=FastSelect)

    class Plain(forms.Form):
        f = forms.ChoiceField(choices=[("a", "A & B"), ("b", "<C>")])

    fast = str(Form({"f": "b"})["f"])
    assert str(Form({"f": "b"})["f"]) == fast  # The second render, from the memo.
    plain = str(Plain({"f": "b"})["f"])
    assert "".join(fast.split()) == "".join(plain.split())
