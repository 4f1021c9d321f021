from django.conf import settings
from django.utils.functional import cached_property

from consentry.schools import access
from consentry.schools.models import Pupil


class Navigation:
    """Which parts of the site the signed-in person has, so the menu shows only those.

    Each answer is one small query, asked only when the template asks."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def groups(self) -> bool:
        return access.groups_visible_to(self.user).exists()

    @cached_property
    def children(self) -> bool:
        return self.user.children.exists() or Pupil.objects.filter(account_id=self.user.pk).exists()

    @cached_property
    def projects(self) -> bool:
        """Members of a research or training project find it here (leadership: overview)."""
        return self.user.research_projects.exists()

    @cached_property
    def staff(self) -> bool:
        return self.user.staff_roles.exists()


def site(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"demo_mode": settings.DEMO_MODE, "led_schools": [], "nav": None}
    return {
        "demo_mode": settings.DEMO_MODE,
        "led_schools": list(access.schools_overseen_by(user)),
        "nav": Navigation(user),
    }
