from django.conf import settings
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from consentry.accounts.language import switch_language_on_sign_in
from consentry.accounts.middleware import DEMO_PERSONA_SESSION_KEY
from consentry.accounts.models import User

from .personas import PERSONA_EMAILS


@require_POST
def demo_login(request):
    """One-click sign-in as a persona. Exists only in demo mode.

    The session is marked as a demo persona's, so that the leadership persona is not sent
    to set up an authenticator app first (see accounts.middleware).
    """
    if not settings.DEMO_MODE:
        raise Http404("Not in demo mode.")
    persona = request.POST.get("persona", "")
    email = PERSONA_EMAILS.get(persona)
    user = User.objects.filter(email=email).first() if email else None
    if user is None:
        raise Http404("No such persona; run the demo seed first.")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[DEMO_PERSONA_SESSION_KEY] = persona
    return switch_language_on_sign_in(request, user, redirect("home"))
