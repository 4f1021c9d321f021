"""Leadership and privacy officers must set up an authenticator app before anything else."""

from django.conf import settings
from django.shortcuts import redirect
from django.utils import timezone

from .mfa import needs_totp_enrolment

# Set by the demo's one-click sign-in (consentry.demo.views.demo_login).
DEMO_PERSONA_SESSION_KEY = "demo_persona"

# What someone who must still set up TOTP may open: the set-up itself (which may ask for the
# password again first), the security pages, signing out and switching language. Static files
# are served without a view, so this middleware never sees them.
ALLOWED_URL_NAMES = {
    "mfa_activate_totp",
    "mfa_index",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "account_logout",
    "account_reauthenticate",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
    "set_language",
    "healthz",  # for load balancers and monitoring: nothing personal
}


class RequireTOTPMiddleware:
    """Send a signed-in person whose role needs TOTP (accounts.mfa) to its set-up page.

    `request.totp_required` tells the set-up page to say why it appeared.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _is_demo_persona(request) or not needs_totp_enrolment(request.user):
            return None
        request.totp_required = True
        if request.resolver_match.url_name in ALLOWED_URL_NAMES:
            return None
        return redirect("mfa_activate_totp")


def _is_demo_persona(request) -> bool:
    """A one-click demo sign-in skips the requirement, in demo mode only.

    Those buttons sign in without any password, so a second factor would protect nothing
    there, and whoever tries the demo must reach the leadership's pages in one click. Outside
    demo mode the mark counts for nothing (and demo_login does not exist there).
    """
    return settings.DEMO_MODE and DEMO_PERSONA_SESSION_KEY in request.session


class RefreshSessionMiddleware:
    """Keep a session alive while it is used, writing it at most once a minute.

    A session ends after CONSENTRY_SESSION_SECONDS without a request (SESSION_COOKIE_AGE),
    so each request must move its expiry. Saving the session on every request (Django's
    SESSION_SAVE_EVERY_REQUEST) makes every page view a database write; moving the expiry
    when the last move is a minute old ends an idle session at most a minute early.
    """

    REFRESH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(timezone.now().timestamp())
            if now - session.get("_refreshed", 0) >= self.REFRESH_SECONDS:
                session["_refreshed"] = now  # a change: the session is saved, expiry moved
        return response
