"""Forms of the report and brand pages.

Filter forms never raise: a bad value (``brand=abc``, ``min_confidence=5``) is an error shown
beside its field and the filter is left out, while the other filters still apply.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from accounts.drawer import (
    FastDateInput,
    FastNumberInput,
    FastSelect,
    FastTextInput,
    FilterForm,
)
from reports.models import Brand, BrandGroup, BrandStatus, Industry, ReportStatus, ReviewStatus
from reports.selectors import SORTS, ReportFilters
from reports.services.brand_import import MAX_BYTES, too_big

PAGE_SIZES = (25, 50, 100)
SENTIMENTS = [("positive", "Positive"), ("neutral", "Neutral"), ("negative", "Negative")]
SORT_LABELS = {
    "newest": "Newest analysed",
    "oldest": "Oldest analysed",
    "published": "Newest published",
    "positive": "Most positive",
    "negative": "Most negative",
}


DATE = FastDateInput(attrs={"type": "date"})


class ReportFilterForm(FilterForm):
    q = forms.CharField(
        required=False,
        label="Search",
        max_length=200,
        widget=FastTextInput(attrs={"type": "search", "placeholder": "Words in title or text"}),
    )
    date_from = forms.DateField(required=False, label="Analysed from", widget=DATE)
    date_to = forms.DateField(required=False, label="to", widget=DATE)
    feed = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, widget=FastSelect)
    brand = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, widget=FastSelect)
    industry = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    group = forms.TypedChoiceField(
        required=False, label="Brand group", coerce=int, empty_value=None, widget=FastSelect
    )
    sentiment = forms.ChoiceField(
        required=False, choices=[("", "Any sentiment"), *SENTIMENTS], widget=FastSelect
    )
    min_confidence = forms.FloatField(
        required=False,
        label="Min. confidence",
        min_value=0,
        max_value=1,
        widget=FastNumberInput(attrs={"step": "0.05", "min": "0", "max": "1"}),
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
        groups: list[tuple[int, str]] = (),
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("feed", [("", "All feeds"), *feeds])
        self.set_choices("brand", [("", "All brands"), *brands])
        self.set_choices("industry", [("", "All industries"), *industries])
        self.set_choices("group", [("", "All groups"), *groups])

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
            group_id=data.get("group"),
            sentiment=data.get("sentiment") or "",
            min_confidence=data.get("min_confidence"),
            review_status=data.get("review") or "",
            status=data.get("status") or "",
            sort=data.get("sort") or "newest",
        )

    def page_size(self) -> int:
        return self.valid_data().get("size") or PAGE_SIZES[0]


class BrandFilterForm(FilterForm):
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
    group = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, widget=FastSelect)

    def __init__(
        self,
        *args: object,
        industries: list[tuple[int, str]],
        groups: list[tuple[int, str]] = (),
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = [("", "All industries"), *industries]
        self.fields["group"].choices = [("", "All groups"), *groups]

    def valid_data(self) -> dict[str, object]:
        self.is_valid()
        return getattr(self, "cleaned_data", {})


def _group_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=BrandGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Groups such as clients or competitors: reports can be filtered by them.",
    )


class BrandForm(forms.Form):
    name = forms.CharField(max_length=200)
    status = forms.ChoiceField(choices=BrandStatus.choices)
    industry = forms.ModelChoiceField(
        queryset=Industry.objects.none(), required=False, empty_label="No industry"
    )
    website = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="The brand's own site.",
    )
    groups = _group_field()

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
        self.fields["groups"].queryset = BrandGroup.objects.filter(
            organization_id=brand.organization_id
        )
        if not self.is_bound:
            self.initial["groups"] = list(brand.groups.values_list("pk", flat=True))


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


class BrandAddForm(forms.Form):
    """A brand to track. Lengths are checked by the service, which says what is wrong."""

    name = forms.CharField(
        max_length=1000, help_text="As the news writes it, e.g. “Coca-Cola”.", strip=True
    )
    aliases = forms.CharField(
        required=False,
        max_length=2000,
        help_text="Other names it goes by, separated by “;” (e.g. Coke; The Coca-Cola Company).",
    )
    website = forms.CharField(required=False, max_length=1000, help_text="The brand's own site.")
    industry = forms.ModelChoiceField(
        queryset=Industry.objects.none(), required=False, empty_label="No industry"
    )
    groups = _group_field()

    def __init__(self, *args: object, organization: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry"].queryset = Industry.objects.filter(organization=organization)
        self.fields["groups"].queryset = BrandGroup.objects.filter(organization=organization)

    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.cleaned_data.get("aliases", "").split(";") if a.strip()]


class BrandImportForm(forms.Form):
    file = forms.FileField(
        required=False,
        label="CSV file",
        help_text="Columns: name, aliases (separated by ;), website, industry, group. "
        "A header row is required. At most 1 MB / 2,000 brands.",
    )
    text = forms.CharField(
        required=False,
        label="Or paste names",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One brand name per line, or CSV text with its header row.",
    )

    def content(self) -> bytes:
        """The file's bytes (or the pasted text's); a file over the cap is refused unread."""
        upload = self.cleaned_data.get("file")
        if upload is not None:
            if upload.size > MAX_BYTES:
                raise ValidationError(too_big(upload.size))
            return upload.read()
        return (self.cleaned_data.get("text") or "").encode("utf-8")


class BrandGroupForm(forms.Form):
    name = forms.CharField(max_length=1000, label="Group name")


class BrandReviewForm(forms.Form):
    """Several discovered brands at once: track, ignore, or merge into one brand."""

    brands = forms.ModelMultipleChoiceField(
        queryset=Brand.objects.none(), error_messages={"required": "Tick at least one brand."}
    )
    action = forms.ChoiceField(
        choices=[("track", "Track"), ("ignore", "Ignore"), ("merge", "Merge into…")]
    )
    # Rendered in Python: an organization can have thousands of brands to merge into.
    target = forms.ModelChoiceField(
        queryset=Brand.objects.none(), required=False, widget=FastSelect
    )

    def __init__(self, *args: object, organization: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        live = Brand.objects.filter(organization=organization, merged_into__isnull=True)
        self.fields["brands"].queryset = live
        self.fields["target"].queryset = live.order_by("name")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == "merge" and not data.get("target"):
            self.add_error("target", "Choose the brand to merge into.")
        return data
