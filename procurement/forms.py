"""Forms of the business core. They parse and validate input; services do the writing.

Forms that offer foreign keys (address, parent group, member) take the business and limit their
querysets to it, so a forged id of another business is "not one of the available choices".
"""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm

from .inputs import BoundedModelChoiceField
from .formatting import DEFAULT_LOCALE
from .models import Address, Business, Group, GroupMembership, Member, User, WebhookEndpoint

Role = GroupMembership.Role


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))

    def clean_username(self):
        # Emails are stored lower-case; "Alice@Acme.example" logs in as alice@acme.example.
        return self.cleaned_data["username"].strip().lower()


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, also for members who never set a password (added by an admin: their
    set-your-password link expired). Only active accounts get mail; unknown addresses get none, and the
    page says the same either way (no account discovery)."""

    def get_users(self, email):
        email_field = User.get_email_field_name()
        return User._default_manager.filter(**{f"{email_field}__iexact": email.strip(), "is_active": True})


class RegistrationForm(forms.Form):
    """Create a business account: the company, then the person who becomes its business admin."""

    company_name = forms.CharField(label="Company name", max_length=200)
    address_line1 = forms.CharField(label="Address", max_length=200)
    address_line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    city = forms.CharField(max_length=100)
    region = forms.CharField(label="State / region", max_length=100, required=False)
    postal_code = forms.CharField(label="Postal code", max_length=20)
    country = forms.CharField(max_length=100, initial="United States")
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password and not all digits.",
    )
    password2 = forms.CharField(
        label="Password (again)", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_company_name(self):
        name = self.cleaned_data["company_name"].strip()
        if not name:
            raise forms.ValidationError("Enter your company name.")
        return name

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists. Log in instead.")
        return email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords do not match.")
        return cleaned


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Business
        fields = [
            "name", "address_line1", "address_line2", "city", "region", "postal_code", "country", "currency",
            "locale", "vat_id", "legal_id", "endpoint_id", "endpoint_scheme",
        ]
        help_texts = {
            "currency": "Three-letter ISO code, e.g. USD, EUR, GBP.",
            "vat_id": "Printed on e-invoices; EU VAT numbers are checked, e.g. DE136695976.",
            "endpoint_id": "Where e-invoices reach you on the Peppol network, e.g. 5790000435975.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out of a submitted form (older clients, scripts): keep the format the business has.
        self.fields["locale"].required = False

    def clean_locale(self):
        return self.cleaned_data.get("locale") or self.instance.locale or DEFAULT_LOCALE

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError("Enter a three-letter currency code, e.g. USD.")
        from babel.numbers import get_currency_name

        if get_currency_name(currency, locale="en") == currency:
            raise forms.ValidationError("Enter a currency code that exists, e.g. USD, EUR, GBP.")
        return currency


class MemberAddForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(label="Email")
    is_business_admin = forms.BooleanField(label="Business admin", required=False)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Someone with this email address already has an account.")
        return email


class MemberEditForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    is_business_admin = forms.BooleanField(
        label="Business admin", required=False,
        help_text="Business admins open Business Settings and hold every role in every group.",
    )
    is_active = forms.BooleanField(
        label="Active", required=False,
        help_text="Deactivated members cannot log in; their orders and history stay.",
    )


class GroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name", "cost_center", "location", "shipping_address", "parent", "approval_threshold"]

    def __init__(self, *args, business: Business, **kwargs):
        super().__init__(*args, **kwargs)
        self.business = business
        addresses = Address.objects.for_business(business).filter(is_active=True)
        current = self.instance.shipping_address_id if self.instance.pk else None
        if current:
            addresses = Address.objects.for_business(business).filter(pk=current) | addresses
        self.fields["shipping_address"].queryset = addresses.order_by("label")
        self.fields["shipping_address"].empty_label = "— none —"
        groups = Group.objects.for_business(business)
        if self.instance.pk:
            groups = groups.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = groups.order_by("name")
        self.fields["parent"].empty_label = "— none (top level) —"
        self.fields["parent"].label = "Parent group"

    def validate_unique(self):
        # `business` is not a form field, so ModelForm skips the (business, name) constraint; the
        # service checks it and says so on the name field.
        pass

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class GroupMemberAddForm(forms.Form):
    member = BoundedModelChoiceField(queryset=Member.objects.none(), label="Member")
    roles = forms.MultipleChoiceField(
        choices=Role.choices, widget=forms.CheckboxSelectMultiple, initial=[Role.BUYER],
        help_text="One member may hold several roles in a group.",
    )

    def __init__(self, *args, business: Business, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            Member.objects.for_business(business).filter(is_active=True).select_related("user")
            .order_by("user__first_name", "user__last_name", "user__email")
        )
        self.fields["member"].label_from_instance = lambda m: f"{m.name} <{m.email}>"


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ["label", "recipient", "line1", "line2", "city", "region", "postal_code", "country", "is_active"]
        help_texts = {"is_active": "Inactive addresses are kept for past orders but not offered any more."}


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “Accounting export”.")
    expires_in_days = forms.TypedChoiceField(
        label="Expires after", coerce=int, initial=90,
        choices=[(30, "30 days"), (90, "90 days"), (180, "180 days"), (365, "1 year")],
    )


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https", help_text="We POST signed JSON to it.")
    events = forms.MultipleChoiceField(
        choices=WebhookEndpoint.Event.choices, widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)
