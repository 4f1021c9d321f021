from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render

from consentry.demo.personas import PERSONAS
from consentry.schools import access


def home(request):
    """Send each person to where their work is."""
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    overseen = access.schools_overseen_by(user).first()
    if overseen is not None:
        return redirect("school_overview", school_id=overseen.pk)
    if access.groups_visible_to(user).exists():
        return redirect("group_list")
    if user.children.exists() or hasattr(user, "pupil_record"):
        return redirect("children")
    return render(request, "web/no_access.html")


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "personas": PERSONAS}
