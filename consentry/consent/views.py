"""Pages about one pupil's consent: the guardian's (or pupil's) choices, history, and the
leadership's paper forms and never-photograph flag."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from consentry.accounts.models import User
from consentry.schools import access
from consentry.schools.models import Pupil

from . import services
from .forms import DecisionsForm, NeverFlagForm, PaperFormForm
from .models import ConsentEvent


def _may_decide(user, pupil: Pupil) -> bool:
    if pupil.decides_for_self(timezone.localdate()):
        return pupil.account_id == user.pk
    return access.is_guardian_with_authority(user, pupil)


@login_required
def children(request):
    pupils = Pupil.objects.filter(
        Q(guardianships__guardian=request.user) | Q(account=request.user)
    ).distinct()
    overview = services.consent_overview(
        pupils, hide_never_flag_for=access.never_flag_hidden_for(request.user, pupils)
    )
    rows = [(pupil, list(overview.get(pupil.pk, {}).values())) for pupil in pupils]
    return render(request, "consent/children.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def pupil_consent(request, pupil_id: int):
    pupil = access.get_pupil_for_user(request.user, pupil_id)
    version = services.active_version(pupil.school)
    categories = list(version.categories.all())
    one = Pupil.objects.filter(pk=pupil.pk)
    verdicts = services.consent_overview(
        one, hide_never_flag_for=access.never_flag_hidden_for(request.user, one)
    ).get(pupil.pk, {})
    may_decide = _may_decide(request.user, pupil)
    own = services.own_answers(pupil, request.user) if may_decide else {}
    form = DecisionsForm(request.POST or None, categories=categories, initial_answers=own)
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                changed = services.decide(request.user, pupil, form.decisions())
            except services.ConsentError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    ngettext("Saved: %(count)s change.", "Saved: %(count)s changes.", len(changed))
                    % {"count": len(changed)}
                    if changed
                    else _("Saved: nothing changed."),
                )
                return redirect("pupil_consent", pupil_id=pupil.pk)
    context = {
        "pupil": pupil,
        "version": version,
        "rows": [(c, verdicts.get(c.number), form[f"category_{c.number}"]) for c in categories],
        "form": form,
        "may_decide": may_decide,
        "leads_school": access.leads_school(request.user, pupil.school),
    }
    return render(request, "consent/pupil.html", context)


@login_required
def pupil_history(request, pupil_id: int):
    pupil = access.get_pupil_for_user(request.user, pupil_id)
    events = (
        ConsentEvent.objects.filter(pupil=pupil)
        .select_related("actor", "guardian", "leaflet_version")
        .order_by("-recorded_at", "-id")
    )
    return render(request, "consent/history.html", {"pupil": pupil, "events": events})


def _pupil_led_by(user, pupil_id: int) -> Pupil:
    pupil = access.get_pupil_for_user(user, pupil_id)
    if not access.leads_school(user, pupil.school):
        raise PermissionDenied
    return pupil


@login_required
@require_http_methods(["GET", "POST"])
def paper_form(request, pupil_id: int):
    pupil = _pupil_led_by(request.user, pupil_id)
    version = services.active_version(pupil.school)
    signers: dict[str, User | None]
    if pupil.decides_for_self(timezone.localdate()):
        signers = {"pupil": None}
        choices = [("pupil", _("the pupil (16 or older)"))]
    else:
        guardians = pupil.guardians.filter(guardianships__has_parental_authority=True)
        signers = {str(g.pk): g for g in guardians}
        choices = [(key, str(g)) for key, g in signers.items()]
    form = PaperFormForm(
        request.POST or None, categories=list(version.categories.all()), signer_choices=choices
    )
    if request.method == "POST" and form.is_valid():
        signed_by = signers[form.cleaned_data["signed_by"]]
        try:
            services.record_paper_form(
                request.user,
                pupil,
                form.decisions(),
                signed_by=signed_by,
                note=form.cleaned_data["note"],
            )
        except services.ConsentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The paper form has been recorded."))
            return redirect("pupil_consent", pupil_id=pupil.pk)
    return render(request, "consent/paper_form.html", {"pupil": pupil, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def never_flag(request, pupil_id: int):
    pupil = _pupil_led_by(request.user, pupil_id)
    flagged = services.is_never_flagged(pupil)
    form = NeverFlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_never_flag(
                request.user, pupil, active=not flagged, reason=form.cleaned_data["reason"]
            )
        except services.ConsentError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("The never-photograph flag has been lifted.")
                if flagged
                else _("The never-photograph flag has been set."),
            )
            return redirect("pupil_consent", pupil_id=pupil.pk)
    history = pupil.never_flag_events.select_related("actor").order_by("-recorded_at", "-id")
    context = {"pupil": pupil, "form": form, "flagged": flagged, "history": history}
    return render(request, "consent/never_flag.html", context)
