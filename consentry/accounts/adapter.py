"""How django-allauth fits Consentry: no sign-up, mail through the worker, language on sign-in."""

import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from consentry.mail.services import queue_mail

from .language import chosen_language, language_after_sign_in, remember_language
from .mfa import has_authenticator
from .models import User

# allauth's mail templates -> (OutgoingMail kind, sensitive). A sensitive mail's text is
# erased once sent: a sign-in code or a password-reset link must not linger in the mail log.
MAIL_KINDS = {
    "account/email/login_code": ("sign_in_code", True),
    "account/email/password_reset_key": ("other", True),
}


class AccountAdapter(DefaultAccountAdapter):
    error_messages = DefaultAccountAdapter.error_messages | {
        "incorrect_code": _("That code is not right. Check the code in the latest mail."),
        "too_many_login_attempts": _(
            "Too many attempts to sign in with this address. For your safety, wait a while "
            "(up to 15 minutes) and then try again."
        ),
    }

    def is_open_for_signup(self, request) -> bool:
        """Closed: accounts come from the school's roster (consentry import ...)."""
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's mail in the recipient's language and queue it for the worker.

        The request never talks to a mail server (consentry.mail.services.queue_mail).
        """
        request = allauth_context.request
        user = User.objects.filter(email__iexact=email).first()
        # A sign-in code asked for on a page read in a language picked there comes in it too.
        language = (
            (request is not None and chosen_language(request))
            or (user.preferred_language if user else None)
            or translation.get_language()
        )
        with translation.override(language):
            message = self.render_mail(
                template_prefix,
                email,
                {
                    "request": request,
                    "email": email,
                    "current_site": get_current_site(request),
                    "code_minutes": settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT // 60,
                }
                | context,
            )
        kind, sensitive = MAIL_KINDS.get(template_prefix, ("other", False))
        queue_mail(
            email,
            str(message.subject),
            str(message.body),
            kind=kind,
            recipient=user,
            sensitive=sensitive,
        )

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Signing in counts as confirming it is you, for the next few minutes.

        allauth asks again before sensitive steps (showing recovery codes, turning the app
        off). Someone who signed in a moment ago should not have to confirm twice. A first
        authenticator app needs more than a password sign-in: a mailed code
        (views.ActivateTOTPView, mfa.needs_mailed_code_before_enrolment).
        """
        request = allauth_context.request
        records = get_authentication_records(request, request.user) if request else []
        if records and time.time() - records[-1]["at"] < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT:
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_reauthentication_methods(self, user) -> list[dict]:
        """Without an authenticator app, the only way to confirm it is you is a code mailed to
        the address the school has (views.RequestReauthenticationCodeView): a password alone
        must never set up a first app (mfa.needs_mailed_code_before_enrolment)."""
        if user.is_authenticated and not has_authenticator(user):
            return [
                {
                    "id": "reauthenticate_by_code",
                    "description": _("Email me a code"),
                    "url": reverse("account_request_reauthentication_code"),
                }
            ]
        return super().get_reauthentication_methods(user)

    def login(self, request, user) -> None:
        """Every sign-in ends with the browser, as a password sign-in does.

        allauth's password form sets this (ACCOUNT_SESSION_REMEMBER = False: shared school
        computers), its sign-in by code does not, so a guardian's session cookie would outlive
        the browser. An idle session still ends after CONSENTRY_SESSION_SECONDS.
        """
        super().login(request, user)
        if not settings.ACCOUNT_SESSION_REMEMBER:
            request.session.set_expiry(0)

    def post_login(self, request, user, **kwargs):
        """Signed in: switch to the person's language (see accounts.language)."""
        language = language_after_sign_in(request, user)
        if language:
            translation.activate(language)
        response = super().post_login(request, user, **kwargs)
        if language:
            remember_language(response, language)
        return response
