from django.conf import settings
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from consentry.accounts.models import User

from .personas import PERSONA_EMAILS


@require_POST
def demo_login(request):
    """One-click sign-in as a persona. Exists only in demo mode."""
    if not settings.DEMO_MODE:
        raise Http404("Not in demo mode.")
    email = PERSONA_EMAILS.get(request.POST.get("persona", ""))
    user = User.objects.filter(email=email).first() if email else None
    if user is None:
        raise Http404("No such persona; run the demo seed first.")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("home")
