"""Interns and visitors acknowledge the school's privacy rules before anything else."""

from django.shortcuts import redirect
from django.utils import timezone

from .services import needs_acknowledgement

# What an intern or visitor who must still acknowledge may open: the rules and the
# acknowledgement itself, signing out and switching language. Static files are served without
# a view, so this middleware never sees them.
ALLOWED_URL_NAMES = {"conduct_acknowledge", "account_logout", "set_language"}


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
