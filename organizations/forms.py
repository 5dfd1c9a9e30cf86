"""Portal forms for organizations. They check the shape of the input; the services decide."""

from __future__ import annotations

import re

from django import forms

from accounts.forms import PASSWORD_HELP, NewPasswordMixin

from .roles import API_KEY_ROLE_CHOICES, RANK, Role

_DOMAIN = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")


def grantable_roles(actor_role: str | None) -> list[tuple[str, str]]:
    """Roles this person may hand out: owners grant any role, admins any role below owner."""
    if actor_role is None:
        return []
    limit = RANK[Role(actor_role)] if actor_role == Role.OWNER else RANK[Role.ADMIN]
    return [(value, label) for value, label in Role.choices if RANK[Role(value)] <= limit]


class OrganizationForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    country = forms.CharField(
        label="Country",
        max_length=2,
        required=False,
        help_text="Two-letter ISO 3166 code, for example DE or KE.",
        widget=forms.TextInput(attrs={"autocomplete": "country", "size": 4}),
    )
    website = forms.URLField(label="Website", required=False, assume_scheme="https")
    domain = forms.CharField(
        label="E-mail domain",
        max_length=255,
        required=False,
        help_text="The domain your certificates' recipients and staff recognise, e.g. example.edu.",
    )

    def clean_country(self) -> str:
        value = self.cleaned_data["country"].strip()
        if value and not (len(value) == 2 and value.isalpha()):
            raise forms.ValidationError("Use a two-letter ISO 3166 country code, e.g. DE.")
        return value.upper()

    def clean_domain(self) -> str:
        value = self.cleaned_data["domain"].strip().lower()
        if value and not _DOMAIN.match(value):
            raise forms.ValidationError("Enter a domain name such as example.edu (no https://).")
        return value


class OrganizationCreateForm(OrganizationForm):
    """A new organization: the details, and the short name used in its links (it cannot change)."""

    slug = forms.SlugField(
        label="Short name",
        max_length=60,
        required=False,
        help_text="Lower-case letters, digits and hyphens, used in links and the API, e.g. "
        "northwind-university. Leave it empty to make one from the name.",
        widget=forms.TextInput(attrs={"autocapitalize": "off", "spellcheck": "false"}),
    )
    field_order = ["name", "slug", "country", "domain", "website"]

    def clean_slug(self) -> str:
        return self.cleaned_data["slug"].strip().lower()


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.VIEWER)

    def __init__(self, *args, actor_role: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = grantable_roles(actor_role)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class APIKeyForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What uses this key, e.g. “Student records system”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label="Role", choices=API_KEY_ROLE_CHOICES, initial=Role.ISSUER)


class InvitationRegisterForm(NewPasswordMixin, forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    new_password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        max_length=128,
        help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="Repeat the password",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="Action", required=False)

    def __init__(self, *args, actions: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "All actions")] + [(a, a) for a in actions]


class DeactivateOrganizationForm(forms.Form):
    confirm_slug = forms.CharField(label="Type the organization's short name to confirm", max_length=60)

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_confirm_slug(self) -> str:
        value = self.cleaned_data["confirm_slug"].strip()
        if self.organization is not None and value != self.organization.slug:
            raise forms.ValidationError(f"Type “{self.organization.slug}” exactly.")
        return value
