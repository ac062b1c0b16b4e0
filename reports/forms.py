"""Forms of the report and brand pages.

Filter forms never raise: a bad value (``brand=abc``, ``min_confidence=5``) is an error shown
beside its field and the filter is left out, while the other filters still apply.
"""

from django import forms
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from reports.models import Brand, BrandStatus, Industry, ReportStatus, ReviewStatus
from reports.selectors import SORTS, ReportFilters

PAGE_SIZES = (25, 50, 100)
SENTIMENTS = [("positive", "Positive"), ("neutral", "Neutral"), ("negative", "Negative")]
SORT_LABELS = {
    "newest": "Newest analysed",
    "oldest": "Oldest analysed",
    "published": "Newest published",
    "positive": "Most positive",
    "negative": "Most negative",
}
DATE = forms.DateInput(attrs={"type": "date"})


class FastSelect(forms.Select):
    """A select rendered in Python, not through a template per option: the brand filter
    lists every tracked brand, and Django's option templates cost milliseconds per page."""

    def render(
        self, name: str, value: object, attrs: dict | None = None, renderer: object = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, " selected" if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        final_attrs = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final_attrs), options)


class ReportFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Words in title or text"}),
    )
    date_from = forms.DateField(required=False, label="Analysed from", widget=DATE)
    date_to = forms.DateField(required=False, label="to", widget=DATE)
    feed = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, widget=FastSelect)
    brand = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, widget=FastSelect)
    industry = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    sentiment = forms.ChoiceField(
        required=False, choices=[("", "Any sentiment"), *SENTIMENTS], widget=FastSelect
    )
    min_confidence = forms.FloatField(
        required=False,
        label="Min. confidence",
        min_value=0,
        max_value=1,
        widget=forms.NumberInput(attrs={"step": "0.05", "min": "0", "max": "1"}),
    )
    review = forms.ChoiceField(
        required=False,
        label="Review",
        choices=[("", "Any review"), *ReviewStatus.choices],
        widget=FastSelect,
    )
    # Blank hides the articles keyword rules excluded: they are not reports anyone reads.
    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[("", "Analysed (not excluded)"), *ReportStatus.choices],
        widget=FastSelect,
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, SORT_LABELS.get(key, key)) for key in SORTS],
        widget=FastSelect,
    )
    size = forms.TypedChoiceField(
        required=False,
        label="Per page",
        coerce=int,
        empty_value=PAGE_SIZES[0],
        choices=[(size, str(size)) for size in PAGE_SIZES],
        widget=FastSelect,
    )

    def __init__(
        self,
        *args: object,
        feeds: list[tuple[int, str]],
        brands: list[tuple[int, str]],
        industries: list[tuple[int, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feed"].choices = [("", "All feeds"), *feeds]
        self.fields["brand"].choices = [("", "All brands"), *brands]
        self.fields["industry"].choices = [("", "All industries"), *industries]

    def valid_data(self) -> dict[str, object]:
        """The values that passed validation; a field in error is simply left out."""
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def filters(self) -> ReportFilters:
        data = self.valid_data()
        return ReportFilters(
            q=data.get("q") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            feed_id=data.get("feed"),
            brand_id=data.get("brand"),
            industry_id=data.get("industry"),
            sentiment=data.get("sentiment") or "",
            min_confidence=data.get("min_confidence"),
            review_status=data.get("review") or "",
            status=data.get("status") or "",
            sort=data.get("sort") or "newest",
        )

    def page_size(self) -> int:
        return self.valid_data().get("size") or PAGE_SIZES[0]


class BrandFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or alias"}),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *BrandStatus.choices], widget=FastSelect
    )
    industry = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, widget=FastSelect
    )

    def __init__(self, *args: object, industries: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = [("", "All industries"), *industries]

    def valid_data(self) -> dict[str, object]:
        self.is_valid()
        return getattr(self, "cleaned_data", {})


class BrandForm(forms.Form):
    name = forms.CharField(max_length=200)
    status = forms.ChoiceField(choices=BrandStatus.choices)
    industry = forms.ModelChoiceField(
        queryset=Industry.objects.none(), required=False, empty_label="No industry"
    )
    website = forms.URLField(
        required=False, max_length=500, assume_scheme="https", help_text="The brand's own site."
    )

    def __init__(self, *args: object, brand: Brand, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": brand.name,
                "status": brand.status,
                "industry": brand.industry_id,
                "website": brand.website,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["industry"].queryset = Industry.objects.filter(
            organization_id=brand.organization_id
        )


class AliasForm(forms.Form):
    alias = forms.CharField(max_length=200, label="New alias")


def live_brands(brand: Brand) -> QuerySet[Brand]:
    """The organization's other brands that can still take part in a merge or separation."""
    return Brand.objects.filter(
        organization_id=brand.organization_id, merged_into__isnull=True
    ).exclude(pk=brand.pk)


class BrandPickForm(forms.Form):
    """Pick another brand of the organization (merge target, brand to keep apart)."""

    other = forms.ModelChoiceField(queryset=Brand.objects.none(), label="Brand")

    def __init__(self, *args: object, brand: Brand, label: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = live_brands(brand).order_by("name")
        self.fields["other"].label = label


class ReassignForm(forms.Form):
    brand = forms.CharField(
        max_length=200,
        label="The brand is",
        help_text="Pick one of your brands from the list, or type a new brand's name.",
        widget=forms.TextInput(attrs={"list": "brand-names", "autocomplete": "off"}),
    )
