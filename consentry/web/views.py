from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from consentry.schools import access


@require_GET
def home(request):
    """Send each person to where their work is."""
    user = request.user
    if not user.is_authenticated:
        return redirect("account_login")
    overseen = access.schools_overseen_by(user).first()
    if overseen is not None:
        return redirect("school_overview", school_id=overseen.pk)
    if access.groups_visible_to(user).exists():
        return redirect("group_list")
    if user.children.exists() or hasattr(user, "pupil_record"):
        return redirect("children")
    return render(request, "web/no_access.html")
