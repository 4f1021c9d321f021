from django.conf import settings

from consentry.schools import access


def site(request):
    user = getattr(request, "user", None)
    return {
        "demo_mode": settings.DEMO_MODE,
        "led_schools": list(access.schools_overseen_by(user)) if user else [],
    }
