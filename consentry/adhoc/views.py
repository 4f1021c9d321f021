"""Pages of separate consent requests.

Staff (a teacher about their own groups, the leadership about the whole school) write a
request, send it and follow the answers; the privacy officer reads along. Guardians answer
on their own page (`consent.views.children` shows `questions.questions_for`), which posts
here. The preview image is served only by `preview`, never from a public URL.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consentry.schools import access
from consentry.schools.models import School

from . import services
from .forms import AnswerForm, ConsentRequestForm
from .models import ConsentRequest, RequestAnswer


def _school_for_staff(user, school_id: int) -> School:
    """A school where the user sees some pupils as staff; otherwise a 404."""
    overseen = access.schools_overseen_by(user).values("id")
    taught = access.groups_visible_to(user).values("school_id")
    schools = School.objects.filter(pk__in=overseen.union(taught, all=True))
    school = schools.filter(pk=school_id).first()
    if school is None:
        raise Http404("No such school.")
    return school


def _request_for_staff(user, request_id: int, *, change: bool = False) -> ConsentRequest:
    """The request, if the user may read it as staff (403 when they may read, not change)."""
    found = ConsentRequest.objects.visible_to_staff(user).filter(pk=request_id)
    consent_request = found.select_related("school", "created_by").first()
    if consent_request is None:
        raise Http404("No such request.")
    if change and not services.may_change(user, consent_request):
        raise PermissionDenied
    return consent_request


def _status_label(consent_request: ConsentRequest, now) -> str:
    return str(ConsentRequest.Status(consent_request.effective_status(now)).label)


@login_required
@require_GET
def request_list(request, school_id: int):
    school = _school_for_staff(request.user, school_id)
    requests = ConsentRequest.objects.visible_to_staff(request.user).filter(school=school)
    now = timezone.now()
    context = {
        "school": school,
        "rows": [(r, _status_label(r, now)) for r in requests.select_related("created_by")],
        "may_ask": services.may_ask(request.user, school),
    }
    return render(request, "adhoc/list.html", context)


def _edit(request, school: School, consent_request: ConsentRequest):
    """The form for a new request or a draft; saving keeps it a draft."""
    form = ConsentRequestForm(
        request.POST or None,
        request.FILES or None,
        instance=consent_request,
        groups=services.askable_groups(request.user, school),
        pupils=services.askable_pupils(request.user, school),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_draft(
                form.instance,
                actor=request.user,
                pupils=form.chosen_pupils(),
                preview_jpeg=form.preview_jpeg,
                remove_preview=form.cleaned_data.get("remove_preview", False),
            )
        except services.RequestError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The request was saved as a draft. Check it, then send it.")
            )
            return redirect("consent_request", request_id=form.instance.pk)
    return render(request, "adhoc/form.html", {"school": school, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request, school_id: int):
    school = _school_for_staff(request.user, school_id)
    if not services.may_ask(request.user, school):
        raise PermissionDenied
    return _edit(request, school, ConsentRequest(school=school))


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request, request_id: int):
    consent_request = _request_for_staff(request.user, request_id, change=True)
    if consent_request.status != ConsentRequest.Status.DRAFT:
        messages.error(request, _("This request has been sent: it can no longer be changed."))
        return redirect("consent_request", request_id=consent_request.pk)
    return _edit(request, consent_request.school, consent_request)


@login_required
@require_GET
def request_detail(request, request_id: int):
    """The request and its answers, for the pupils this person sees as staff."""
    consent_request = _request_for_staff(request.user, request_id)
    now = timezone.now()
    visible = access.pupils_seen_as_staff(request.user)
    pupils = consent_request.pupils.filter(pk__in=visible).select_related("group")
    coverage = services.coverage(consent_request, now=now)
    outcomes = services.outcomes(consent_request, now=now)
    answers = RequestAnswer.objects.filter(request=consent_request, pupil__in=pupils)
    latest: dict[int, dict] = {}
    for item in answers.select_related("guardian", "pupil").order_by("recorded_at", "id"):
        latest.setdefault(item.pupil_id, {})[item.guardian_id] = item
    rows = [
        (pupil, outcomes[pupil.pk], pupil.pk in coverage.never, latest.get(pupil.pk, {}).values())
        for pupil in pupils
    ]
    context = {
        "consent_request": consent_request,
        "status": consent_request.effective_status(now),
        "status_label": _status_label(consent_request, now),
        "rows": rows,
        "counts": {
            name: len(getattr(coverage, name) & {p.pk for p in pupils})
            for name in ("approved", "refused", "waiting", "never")
        },
        "may_change": services.may_change(request.user, consent_request),
    }
    return render(request, "adhoc/detail.html", context)


@login_required
@require_POST
def request_open(request, request_id: int):
    consent_request = _request_for_staff(request.user, request_id, change=True)
    try:
        services.open_request(consent_request, actor=request.user)
    except services.RequestError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The request was sent. Guardians see it and get an email."))
    return redirect("consent_request", request_id=consent_request.pk)


@login_required
@require_POST
def request_close(request, request_id: int):
    consent_request = _request_for_staff(request.user, request_id, change=True)
    try:
        services.close_request(consent_request, actor=request.user)
    except services.RequestError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The request was closed. No answer now counts as no."))
    return redirect("consent_request", request_id=consent_request.pk)


def _request_for_viewer(user, request_id: int) -> ConsentRequest:
    """Staff who may read the request; once sent, also the guardians of its pupils and the
    pupils themselves."""
    staff = ConsentRequest.objects.visible_to_staff(user).filter(pk=request_id)
    family = ConsentRequest.objects.sent().filter(pk=request_id, pupils__in=access.own_pupils(user))
    consent_request = staff.first() or family.first()
    if consent_request is None:
        raise Http404("No such request.")
    return consent_request


@login_required
@require_GET
def preview(request, request_id: int):
    consent_request = _request_for_viewer(request.user, request_id)
    if not consent_request.preview:
        raise Http404("This request has no preview image.")
    try:
        handle = consent_request.preview.open("rb")
    except FileNotFoundError:
        raise Http404("The preview image is missing.") from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def answer(request, request_id: int):
    """A guardian (or the pupil from 16) answers yes or no for one child; back to the page."""
    form = AnswerForm(request.POST)
    if not form.is_valid():
        raise Http404("No such pupil.")
    pupil = access.own_pupils(request.user).filter(pk=form.cleaned_data["pupil"]).first()
    requests = ConsentRequest.objects.sent().filter(pk=request_id)
    consent_request = requests.filter(pupils=pupil).first() if pupil else None
    if consent_request is None or pupil is None:
        raise Http404("No such request.")
    try:
        created = services.answer(request.user, consent_request, pupil, form.given)
    except services.NotAllowed:
        raise PermissionDenied from None
    except services.RequestError as error:
        messages.error(request, str(error))
    else:
        if created is None:
            messages.success(request, _("Saved: nothing changed."))
        else:
            messages.success(
                request,
                _("Saved: your answer for %(name)s is %(answer)s.")
                % {"name": pupil.given_name, "answer": _("yes") if form.given else _("no")},
            )
    return redirect(reverse("children") + f"#request-{consent_request.pk}")
