from django import forms

from accounts.drawer import FastDateInput, FastSelect, FastTextInput, FilterForm
from feeds.models import ArticleStatus, Feed, FeedKind

SOURCE_CHOICES = [("url", "Feed address"), ("search", "Keyword search (Google News)")]


class FeedForm(forms.Form):
    """Add or edit a feed. A plain form: the services validate and save (see feed_create)."""

    source = forms.ChoiceField(
        choices=SOURCE_CHOICES, initial="url", widget=forms.RadioSelect, label="Source"
    )
    name = forms.CharField(max_length=200)
    url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        label="Feed URL",
        help_text="An RSS, Atom or JSON Feed address. Use “Test feed” to check it first.",
    )
    keywords = forms.CharField(
        required=False,
        max_length=500,
        help_text="Words to search the news for, e.g. “electric cars” OR Tesla.",
    )
    language = forms.CharField(
        required=False, max_length=2, min_length=2, help_text="Two-letter code: en, fr, de…"
    )
    country = forms.CharField(
        required=False, max_length=2, min_length=2, help_text="Two-letter code: US, FR, DE…"
    )
    enabled = forms.BooleanField(required=False, initial=True)
    fetch_timeout = forms.IntegerField(
        min_value=1, max_value=120, initial=20, label="Fetch timeout (seconds)"
    )
    max_articles_per_run = forms.IntegerField(
        min_value=1, max_value=1000, initial=50, label="Max articles per fetch"
    )

    FEED_FIELDS = (
        "name",
        "url",
        "keywords",
        "language",
        "country",
        "enabled",
        "fetch_timeout",
        "max_articles_per_run",
    )

    def __init__(self, *args: object, instance: Feed | None = None, **kwargs: object) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            initial = {name: getattr(instance, name) for name in self.FEED_FIELDS}
            initial["source"] = "search" if instance.kind == FeedKind.SEARCH else "url"
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if cleaned.get("source") == "search":
            for name in ("keywords", "language", "country"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, "Required for a keyword search.")
        elif not cleaned.get("url") and "url" not in self.errors:
            self.add_error("url", "Enter the feed's address.")
        return cleaned

    def feed_values(self) -> dict[str, object]:
        values = {name: self.cleaned_data[name] for name in self.FEED_FIELDS}
        if self.cleaned_data["source"] == "search":
            values["kind"] = FeedKind.SEARCH
            values["language"] = values["language"].lower()
            values["country"] = values["country"].upper()
            values.pop("url")
        else:
            values["keywords"] = values["language"] = values["country"] = ""
            if self.instance is None or self.instance.kind == FeedKind.SEARCH:
                values["kind"] = FeedKind.UNKNOWN
        return values


class OpmlImportForm(forms.Form):
    file = forms.FileField(
        label="OPML file", help_text="Exported from another feed reader (.opml or .xml)."
    )


class ArticleFilterForm(FilterForm):
    # Widgets rendered in Python (accounts.drawer): Django's select and option templates were
    # ~9 ms of the articles list's CPU, a quarter of the page (issue #18 item 9).
    q = forms.CharField(required=False, label="Search titles", widget=FastTextInput)
    feed = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, widget=FastSelect)
    status = forms.ChoiceField(required=False, widget=FastSelect)
    since = forms.DateField(
        required=False, label="Published since", widget=FastDateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, feeds: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("feed", [("", "All feeds"), *feeds])
        self.fields["status"].choices = [("", "Any status"), *ArticleStatus.choices]
