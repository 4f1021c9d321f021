from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from consentry.schools import access

from .models import AuditEntry
from .services import verify_chain


@login_required
def school_trail(request, school_id: int):
    """The school's audit entries, newest first, for the leadership and the privacy officer."""
    school = access.get_school_overseen_by(request.user, school_id)
    entries = AuditEntry.objects.filter(school_id=school.pk).order_by("-sequence")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    context = {"school": school, "page": page}
    if request.GET.get("verify"):
        context["verified"], context["problem"] = verify_chain()
    return render(request, "audit/school_trail.html", context)
