from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consentry.schools import access
from consentry.schools.models import School

from . import services
from .models import LeafletVersion


def leaflet(request, school_id: int):
    """The active leaflet is public: anyone may read what the school asks consent for."""
    school = get_object_or_404(School, pk=school_id)
    version = LeafletVersion.objects.active().filter(school=school).first()
    if version is None:
        raise Http404("No active leaflet.")
    return render(request, "leaflets/leaflet.html", {"school": school, "version": version})


@login_required
def versions(request, school_id: int):
    school = access.get_school_led_by(request.user, school_id)
    return render(
        request,
        "leaflets/versions.html",
        {"school": school, "versions": school.leaflet_versions.all()},
    )


@login_required
@require_POST
def publish(request, version_id: int):
    version = get_object_or_404(
        LeafletVersion, pk=version_id, school__in=access.schools_led_by(request.user)
    )
    try:
        services.publish(
            version, actor=request.user, material_change=request.POST.get("material") == "yes"
        )
    except services.LeafletError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Version %(label)s is now active.") % {"label": version.label})
    return redirect("leaflet_versions", school_id=version.school_id)
