"""The contact form and the contacts list's filters."""

from django import forms

from accounts.drawer import FilterForm
from contacts.models import NOTES_MAX_LENGTH, ContactSource
from contacts.selectors import ContactFilters
from contacts.services.contacts import EDITABLE_FIELDS
from contacts.validators import validate_linkedin_url, validate_phone
from reports.models import Brand

YES_NO = [("", "Any"), ("yes", "Yes"), ("no", "No")]


class ContactForm(forms.Form):
    """Add or edit a contact. A plain form: ``contact_create``/``contact_update`` save it."""

    brand = forms.ModelChoiceField(queryset=Brand.objects.none(), empty_label="Choose a brand")
    full_name = forms.CharField(max_length=200, label="Full name")
    title = forms.CharField(max_length=200, required=False, help_text="e.g. Head of PR.")
    email = forms.EmailField(max_length=254, required=False)
    phone = forms.CharField(
        max_length=40,
        required=False,
        validators=[validate_phone],
        help_text="With the country code, e.g. +44 20 7946 0958.",
    )
    linkedin_url = forms.URLField(
        max_length=500,
        required=False,
        assume_scheme="https",
        label="LinkedIn profile",
        validators=[validate_linkedin_url],
        help_text="A profile address: https://www.linkedin.com/in/name/",
    )
    company = forms.CharField(max_length=200, required=False)
    verified = forms.BooleanField(
        required=False, help_text="You checked that this person holds this role."
    )
    do_not_contact = forms.BooleanField(
        required=False, label="Do not contact", help_text="No email can be drafted to them."
    )
    lawful_basis = forms.CharField(
        max_length=300,
        required=False,
        label="Lawful basis",
        help_text="Why you may hold this person's data, e.g. “legitimate interest: press "
        "contact published on acme.com/press”.",
    )
    notes = forms.CharField(
        max_length=NOTES_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    FIELDS = EDITABLE_FIELDS

    def __init__(self, *args: object, brands: "forms.QuerySet[Brand]", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands

    def contact_values(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class ContactFilterForm(FilterForm):
    q = forms.CharField(required=False, label="Search", max_length=200)
    brand = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    source = forms.ChoiceField(required=False, choices=[("", "Any source"), *ContactSource.choices])
    verified = forms.ChoiceField(required=False, choices=YES_NO)
    dnc = forms.ChoiceField(required=False, choices=YES_NO, label="Do not contact")

    def __init__(self, *args: object, brands: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand"].choices = [("", "All brands"), *brands]

    def filters(self) -> ContactFilters:
        """The valid filters; an invalid one is left out (and shown as an error)."""
        if not self.is_bound:
            return ContactFilters()
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        yes_no = {"yes": True, "no": False}
        return ContactFilters(
            q=(data["q"] or "").strip(),
            brand_id=data["brand"],
            source=data["source"] or "",
            verified=yes_no.get(data["verified"] or ""),
            do_not_contact=yes_no.get(data["dnc"] or ""),
        )
