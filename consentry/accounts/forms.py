"""allauth's forms with plain labels, and a numeric keyboard on phones for codes (all digits)."""

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from django.utils.translation import gettext_lazy as _


class LoginForm(account_forms.LoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Email address")
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class RequestLoginCodeForm(account_forms.RequestLoginCodeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Your email address (the one the school has)")
        self.fields["email"].widget.attrs.pop("placeholder", None)


class NumericCode:
    fields: dict

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.fields["code"].widget.attrs.update(inputmode="numeric", autocomplete="one-time-code")
        self.fields["code"].widget.attrs.pop("placeholder", None)


class ConfirmLoginCodeForm(NumericCode, account_forms.ConfirmLoginCodeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Sign-in code")


class AuthenticateForm(NumericCode, mfa_forms.AuthenticateForm):
    pass


class ReauthenticateForm(NumericCode, mfa_forms.ReauthenticateForm):
    pass


class ActivateTOTPForm(NumericCode, totp_forms.ActivateTOTPForm):
    pass
