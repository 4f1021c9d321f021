"""allauth's sign-in views with Consentry's additions: demo buttons and clear code messages."""

from allauth.account.views import ConfirmLoginCodeView as AllauthConfirmLoginCodeView
from allauth.account.views import LoginView as AllauthLoginView
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.i18n import set_language as django_set_language

from consentry.demo.personas import PERSONAS


class LoginView(AllauthLoginView):
    """The sign-in page, with the demo's one-click persona buttons in demo mode."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["personas"] = PERSONAS if settings.DEMO_MODE else []
        return context


class ConfirmLoginCodeView(AllauthConfirmLoginCodeView):
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
        context["code_minutes"] = settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT // 60
        return context


def set_language(request):
    """Django's language switch, which also remembers the choice on a signed-in account.

    Mail (receipts, reminders) is written in `User.preferred_language`, so the language a
    person picks on the pages is the one the school writes to them in too.
    """
    response = django_set_language(request)
    language = request.POST.get("language")
    user = request.user
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
