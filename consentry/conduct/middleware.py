"""Interns and visitors acknowledge the school's privacy rules before anything else."""

from django.shortcuts import redirect
from django.utils import timezone

from consentry.accounts.middleware import ALLOWED_URL_NAMES as TOTP_SET_UP_URL_NAMES

from .services import needs_acknowledgement

# What an intern or visitor who must still acknowledge may open: the rules and the
# acknowledgement itself, signing out and switching language. Static files are served without
# a view, so this middleware never sees them.
ALLOWED_URL_NAMES = {"conduct_acknowledge", "account_logout", "set_language", "healthz"}
# The TOTP set-up comes first for someone who needs both (leadership elsewhere, intern here):
# without this the two gates would send each other back and forth for ever.
ALLOWED_URL_NAMES |= TOTP_SET_UP_URL_NAMES
# The rules bind someone as intern or visitor, not as parent: an intern who is also a
# guardian keeps their family pages (each checks on its own that the child is theirs), and
# everyone may report a data leak and read the leaflet.
FAMILY_URL_NAMES = {
    "children",
    "pupil_consent",
    "pupil_history",
    "consent_request_answer",
    "consent_request_preview",
    "pupil_data",
    "pupil_data_json",
    "pupil_data_zip",
    "breach_report",
    "breach_received",
    "leaflet",
    "leaflet_pdf",
    "leaflet_version",
    "leaflet_version_pdf",
}
ALLOWED_URL_NAMES |= FAMILY_URL_NAMES


class RequireAcknowledgementMiddleware:
    """Send an account that must still acknowledge the rules (conduct.services) to do so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match.url_name in ALLOWED_URL_NAMES:
            return None
        if not needs_acknowledgement(request.user, timezone.localdate()):
            return None
        return redirect("conduct_acknowledge")
