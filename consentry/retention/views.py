"""The rights of the people concerned per pupil (the export, erasure) and a school's retention
overview. Pupils come through `access.get_pupil_for_user`, then `export.audience_for` decides
what this person may have: everyone else gets a 404, so no existence leaks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consentry.audit.services import record
from consentry.schools import access
from consentry.schools.models import Pupil

from . import erasure, export, rules, services
from .forms import EraseForm, PolicyForm
from .models import RetentionPolicy


def _pupil_with_audience(user, pupil_id: int) -> tuple[Pupil, str]:
    pupil = access.get_pupil_for_user(user, pupil_id)
    audience = export.audience_for(user, pupil)
    if audience is None:
        raise Http404("No such pupil.")
    return pupil, audience


def _pupil_for_staff(user, pupil_id: int) -> Pupil:
    pupil, audience = _pupil_with_audience(user, pupil_id)
    if audience not in export.STAFF:
        raise Http404("No such pupil.")
    return pupil


@login_required
@require_GET
def pupil_data(request, pupil_id: int):
    pupil, audience = _pupil_with_audience(request.user, pupil_id)
    staff = audience in export.STAFF
    context = {
        "pupil": pupil,
        "staff": staff,
        "refusals": erasure.refusals(pupil) if staff else [],
        "term": rules.left_pupil_terms([pupil]).get(pupil.pk),
    }
    return render(request, "retention/pupil_data.html", context)


def _download(request, pupil_id: int, kind: str) -> HttpResponse:
    pupil, audience = _pupil_with_audience(request.user, pupil_id)
    data = export.collect(pupil, request.user, audience)
    if kind == "zip":
        content, content_type = export.as_zip(pupil, data, audience), "application/zip"
    else:
        content, content_type = export.as_json(data), "application/json; charset=utf-8"
    record(
        "pupil.exported",
        actor=request.user,
        obj=pupil,
        school_id=pupil.school_id,
        data={"format": kind, "for": audience},
    )
    response = HttpResponse(content, content_type=content_type)
    name = f"consentry-pupil-{pupil.pk}-{timezone.localdate():%Y-%m-%d}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def pupil_data_json(request, pupil_id: int):
    return _download(request, pupil_id, "json")


@login_required
@require_GET
def pupil_data_zip(request, pupil_id: int):
    return _download(request, pupil_id, "zip")


@login_required
@require_http_methods(["GET", "POST"])
def erase(request, pupil_id: int):
    pupil = _pupil_for_staff(request.user, pupil_id)
    refusals = erasure.refusals(pupil)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not refusals and form.is_valid():
        try:
            erasure.erase_pupil(pupil, actor=request.user, reason=form.cleaned_data["reason"])
        except erasure.ErasureRefused as refused:
            refusals = refused.reasons
        else:
            messages.success(request, _("The pupil's data has been erased."))
            return redirect("retention_overview", school_id=pupil.school_id)
    context = {
        "pupil": pupil,
        "form": form,
        "refusals": refusals,
        "rows": erasure.erasable_rows(pupil),
    }
    return render(request, "retention/erase.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def overview(request, school_id: int):
    school = access.get_school_overseen_by(request.user, school_id)
    may_change = access.keeps_registers(request.user, school.board)
    policy = RetentionPolicy.objects.filter(school=school).first() or RetentionPolicy(school=school)
    form = PolicyForm(request.POST if request.method == "POST" else None, instance=policy)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        if form.is_valid():
            services.set_policy(form.save(commit=False), actor=request.user)
            messages.success(request, _("The retention period has been saved."))
            return redirect("retention_overview", school_id=school.pk)
    years = rules.left_pupil_years(school.pk)
    left = list(
        Pupil.objects.filter(school=school, left_on__isnull=False).order_by("left_on", "pk")
    )
    terms = rules.left_pupil_terms(left)
    context = {
        "school": school,
        "runs": services.due_for_school(school.pk),
        "left": [(pupil, terms[pupil.pk]) for pupil in left],
        "years": years,
        "form": form,
        "may_change": may_change,
    }
    return render(request, "retention/overview.html", context)
