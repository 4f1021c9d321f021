from django.conf import settings
from django.utils.functional import cached_property

from consentry.schools import access


class Navigation:
    """Which parts of the site the signed-in person has, so the menu shows only those.

    Most answers follow from the person's links (`access.scope_of`, read once per request);
    the others are one small query, asked only when the template asks."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def scope(self) -> access.Scope:
        return access.scope_of(self.user)

    @cached_property
    def groups(self) -> bool:
        return self.scope.is_staff and access.groups_visible_to(self.user).exists()

    @cached_property
    def children(self) -> bool:
        return bool(self.scope.own_pupil_ids)

    @cached_property
    def projects(self) -> bool:
        """Members of a research or training project find it here (leadership: overview)."""
        return bool(self.scope.roles) and self.user.research_projects.exists()

    @cached_property
    def staff(self) -> bool:
        return bool(self.scope.roles)


def site(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"demo_mode": settings.DEMO_MODE, "led_schools": [], "nav": None}
    return {
        "demo_mode": settings.DEMO_MODE,
        "led_schools": list(access.schools_overseen_by(user)),  # no query without a role
        "nav": Navigation(user),
    }
