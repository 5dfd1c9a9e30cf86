"""Portal forms for accounts. They only check the shape of the input; the services decide."""

from django import forms

PASSWORD_HELP = "At least 10 characters; not a common password and not only digits."


def _password_field(label: str, autocomplete: str = "new-password", help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=128,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def _code_field(label: str = "Authentication code", help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=32,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "off",
                "spellcheck": "false",
                "class": "input--code",
            }
        ),
    )


class NewPasswordMixin:
    """Two password fields that must match; strength is checked by the service."""

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "The two passwords do not match.")
        return cleaned


class LoginForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address", widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = _password_field("Password", autocomplete="current-password")


class SignupForm(NewPasswordMixin, forms.Form):
    """A new account; the service checks the password against the validators and sends the link."""

    full_name = forms.CharField(
        label="Your name",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}),
    )
    email = forms.EmailField(
        label="Work e-mail address",
        max_length=254,
        help_text="We send a link to this address to confirm it is yours.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    new_password1 = _password_field("Choose a password", help_text=PASSWORD_HELP)
    new_password2 = _password_field("Repeat the password")


class OTPForm(forms.Form):
    code = _code_field(help_text="The 6-digit code from your authenticator app, or one of your backup codes.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["autofocus"] = True


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address", widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )


class SetPasswordForm(NewPasswordMixin, forms.Form):
    new_password1 = _password_field("New password", help_text=PASSWORD_HELP)
    new_password2 = _password_field("Repeat the new password")


class PasswordChangeForm(NewPasswordMixin, forms.Form):
    current_password = _password_field("Current password", autocomplete="current-password")
    new_password1 = _password_field("New password", help_text=PASSWORD_HELP)
    new_password2 = _password_field("Repeat the new password")


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class TOTPConfirmForm(forms.Form):
    code = _code_field(help_text="Enter the 6-digit code your app shows now.")


class TOTPDisableForm(forms.Form):
    password = _password_field("Password", autocomplete="current-password")
    code = _code_field(help_text="A code from your authenticator app, or a backup code.")
