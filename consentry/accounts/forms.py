"""allauth's forms with plain labels, and a numeric keyboard on phones for codes (all digits)."""

from allauth.account import forms as account_forms
from allauth.account.adapter import get_adapter
from allauth.core import context, ratelimit
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
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


class RequestReauthenticationCodeForm(forms.Form):
    """Nothing to choose: the code goes to the address the school has for the person.

    allauth would offer its own list of confirmed addresses, which Consentry does not keep
    (the roster is the one record of a person's address). Asking for a code counts against
    the same limit as asking for a sign-in code.
    """

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict:
        email = self.user.email
        if not ratelimit.consume(context.request, action="request_login_code", key=email.lower()):
            raise get_adapter().validation_error("too_many_login_attempts")
        return {"email": email}


class ConfirmReauthenticationCodeForm(NumericCode, account_forms.ConfirmReauthenticationCodeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code from the mail")


class AuthenticateForm(NumericCode, mfa_forms.AuthenticateForm):
    pass


class ReauthenticateForm(NumericCode, mfa_forms.ReauthenticateForm):
    pass


class ActivateTOTPForm(NumericCode, totp_forms.ActivateTOTPForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code from the app")
