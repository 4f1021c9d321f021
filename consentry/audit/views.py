from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from consentry.schools import access

from .describe import lines_for
from .filters import TrailFilter
from .models import AuditEntry
from .services import verify_chain


@login_required
@require_GET
def school_trail(request, school_id: int):
    """The school's audit entries, newest first, in words, for the leadership and the
    privacy officer; filtered by pupil, person and kind."""
    school = access.get_school_overseen_by(request.user, school_id)
    form = TrailFilter(request.GET, school=school, viewer=request.user)
    entries = form.apply(AuditEntry.objects.filter(school_id=school.pk)).order_by("-sequence")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    context = {
        "school": school,
        "form": form,
        "page": page,
        "lines": lines_for(page, school, request.user),
    }
    if request.GET.get("verify"):
        context["verified"], context["problem"] = verify_chain()
    return render(request, "audit/school_trail.html", context)
