"""allauth's sign-in views with Consentry's additions: demo buttons, clear code messages, and
a mailed code before a first authenticator app."""

from allauth.account import views as account
from allauth.core.exceptions import ReauthenticationRequired
from allauth.mfa.totp import views as totp
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language as django_set_language

from consentry.demo.personas import PERSONAS

from .forms import RequestReauthenticationCodeForm
from .language import remember_choice
from .mfa import needs_mailed_code_before_enrolment


def _code_minutes() -> int:
    """How long a mailed code works, for the pages that say so."""
    return settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT // 60


class LoginView(account.LoginView):
    """The sign-in page, with the demo's one-click persona buttons in demo mode."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["personas"] = PERSONAS if settings.DEMO_MODE else []
        return context


class ConfirmLoginCodeView(account.ConfirmLoginCodeView):
    """Entering the emailed code, saying plainly when a code expired or was used up."""

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        # allauth drops an expired code (self._process is None) or has no code waiting at
        # all (never set) and sends the person back to ask for one; tell them why.
        expired = getattr(self, "_process", "none waiting") is None
        if expired or (request.method == "POST" and not hasattr(self, "_process")):
            messages.error(request, _("That sign-in code has expired. Ask for a new code."))
        return response

    def form_invalid(self, form):
        if self._process.record_invalid_attempt():
            return self.render_to_response(self.get_context_data(form=form))
        messages.error(
            request=self.request,
            message=_(
                "That code was wrong too many times, so it no longer works. Ask for a new code."
            ),
        )
        return redirect("account_request_login_code")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["code_minutes"] = _code_minutes()
        return context


class ActivateTOTPView(totp.ActivateTOTPView):
    """Setting up an authenticator app; the first one only after a mailed code (accounts.mfa).

    allauth's middleware answers ReauthenticationRequired: it keeps this request, sends the
    person to the code page and brings them back here with the code entered.
    """

    def dispatch(self, request, *args, **kwargs):
        if needs_mailed_code_before_enrolment(request):
            raise ReauthenticationRequired()
        return super().dispatch(request, *args, **kwargs)


class RequestReauthenticationCodeView(account.RequestReauthenticationCodeView):
    """ "Email me a code" to confirm it is you, sent to the address the school has."""

    form_class = RequestReauthenticationCodeForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["email"] = self.request.user.email
        context["code_minutes"] = _code_minutes()
        return context


class ConfirmReauthenticationCodeView(account.ConfirmReauthenticationCodeView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["code_minutes"] = _code_minutes()
        return context


@require_http_methods(["GET", "POST"])
def set_language(request):
    """Django's language switch, which also remembers the choice on a signed-in account.

    Mail (receipts, reminders) is written in `User.preferred_language`, so the language a
    person picks on the pages is the one the school writes to them in too.
    """
    response = django_set_language(request)
    language = request.POST.get("language")
    user = request.user
    if request.method == "POST" and language:
        remember_choice(request, language)  # signed out: kept for the sign-in
    if (
        request.method == "POST"
        and user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and user.preferred_language != language
    ):
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return response


login = LoginView.as_view()
confirm_login_code = ConfirmLoginCodeView.as_view()
activate_totp = ActivateTOTPView.as_view()
request_reauthentication_code = RequestReauthenticationCodeView.as_view()
confirm_reauthentication_code = ConfirmReauthenticationCodeView.as_view()
