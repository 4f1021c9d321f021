"""Pages about one pupil's consent: the guardian's (or pupil's) choices, history, and the
leadership's paper forms and never-photograph flag."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from consentry.accounts.models import User
from consentry.adhoc.questions import questions_for
from consentry.leaflets.models import Category, LeafletVersion
from consentry.schools import access
from consentry.schools.models import Pupil

from . import services, summaries
from .forms import DecisionsForm, NeverFlagForm, PaperFormForm
from .models import ConsentEvent
from .services import Verdict


def _posted(request):
    """The submitted data, or None on GET: an empty POST is still a submission to check."""
    return request.POST if request.method == "POST" else None


def _may_decide(user, pupil: Pupil) -> bool:
    if pupil.decides_for_self(timezone.localdate()):
        return pupil.account_id == user.pk
    return access.is_guardian_with_authority(user, pupil)


@dataclass
class ChildConsent:
    """What one person sees about one pupil: the state per category of the active leaflet,
    and what they must be told first (answers that no longer count, guardians disagreeing)."""

    pupil: Pupil
    rows: list[tuple[Category, Verdict]]
    answer_again: list[Category]
    conflicts: list[Category]


def _child_consent(
    user, pupils: list[Pupil], facts: services.ConsentFacts | None = None
) -> list[ChildConsent]:
    """What `user` sees about each of these pupils, from one load of the facts."""
    facts = facts or services.load_facts(pupils)
    overview = services.consent_overview(
        pupils, hide_never_flag_for=access.never_flag_hidden_for(user, pupils), facts=facts
    )
    owed = summaries.answers_owed(pupils, facts=facts)
    result = []
    for pupil in pupils:
        numbers = {c.number: c for c in facts.categories.get(pupil.school_id, [])}
        verdicts = overview.get(pupil.pk, {})
        decider = None if pupil.account_id == user.pk else user.pk
        result.append(
            ChildConsent(
                pupil=pupil,
                rows=[(c, verdicts[n]) for n, c in numbers.items() if n in verdicts],
                answer_again=[numbers[n] for n in owed.get((pupil.pk, decider), [])],
                conflicts=[numbers[n] for n in summaries.conflicts(verdicts)],
            )
        )
    return result


@login_required
@require_GET
def children(request):
    pupils = list(access.own_pupils(request.user).select_related("school", "group"))
    cards = _child_consent(request.user, pupils)
    context = {
        "cards": cards,
        "answer_again": [card for card in cards if card.answer_again],
        "school_questions": questions_for(request.user, pupils),  # separate requests
    }
    return render(request, "consent/children.html", context)


def _saved_message(pupil: Pupil, changed: list[ConsentEvent]) -> str:
    if not changed:
        return _("Saved: nothing changed.")
    saved = ngettext("Saved: %(count)s change.", "Saved: %(count)s changes.", len(changed)) % {
        "count": len(changed)
    }
    receipt = _("Every guardian of %(name)s gets an email receipt.") % {"name": pupil.full_name}
    return f"{saved} {receipt}"


@login_required
@require_http_methods(["GET", "POST"])
def pupil_consent(request, pupil_id: int):
    pupil = access.get_pupil_for_user(request.user, pupil_id)
    facts = services.load_facts([pupil])
    version = facts.active.get(pupil.school_id)
    if version is None:
        return render(request, "consent/no_leaflet.html", {"pupil": pupil})
    [child] = _child_consent(request.user, [pupil], facts)
    may_decide = _may_decide(request.user, pupil)
    own = services.own_answers(pupil, request.user, facts) if may_decide else {}
    earlier = services.earlier_answers(pupil, request.user, facts) if may_decide else {}
    form = DecisionsForm(
        _posted(request),
        categories=[category for category, _verdict in child.rows],
        initial_answers=own,
    )
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                changed = services.decide(request.user, pupil, form.decisions())
            except services.ConsentError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _saved_message(pupil, changed))
                return redirect("pupil_consent", pupil_id=pupil.pk)
    context = {
        "pupil": pupil,
        "child": child,
        "version": version,
        "rows": [
            (c, verdict, form[f"category_{c.number}"], earlier.get(c.number))
            for c, verdict in child.rows
        ],
        "form": form,
        "may_decide": may_decide,
        # The disagreement notice speaks to the guardians; staff see the state in each row.
        "is_guardian": access.is_guardian_of(request.user, pupil),
        "leads_school": access.leads_school(request.user, pupil.school),
        "is_the_pupil": pupil.account_id is not None and pupil.account_id == request.user.pk,
    }
    return render(request, "consent/pupil.html", context)


@login_required
@require_GET
def pupil_history(request, pupil_id: int):
    pupil = access.get_pupil_for_user(request.user, pupil_id)
    events = (
        ConsentEvent.objects.filter(pupil=pupil)
        .select_related("actor", "guardian", "leaflet_version")
        .defer(*(f"leaflet_version__{name}" for name in LeafletVersion.text_fields()))
        .order_by("-recorded_at", "-id")
    )
    version = LeafletVersion.objects.active().without_texts().filter(school=pupil.school).first()
    titles = {c.number: c.title for c in version.categories.all()} if version else {}
    rows = [
        (
            event,
            titles.get(event.category_number, ""),
            version is not None and event.leaflet_version.answer_round != version.answer_round,
        )
        for event in events
    ]
    return render(request, "consent/history.html", {"pupil": pupil, "rows": rows})


def _pupil_led_by(user, pupil_id: int) -> Pupil:
    pupil = access.get_pupil_for_user(user, pupil_id)
    if not access.leads_school(user, pupil.school):
        raise PermissionDenied
    return pupil


@login_required
@require_http_methods(["GET", "POST"])
def paper_form(request, pupil_id: int):
    pupil = _pupil_led_by(request.user, pupil_id)
    version = LeafletVersion.objects.active().without_texts().filter(school=pupil.school).first()
    if version is None:
        return render(request, "consent/no_leaflet.html", {"pupil": pupil})
    signers: dict[str, User | None]
    if pupil.decides_for_self(timezone.localdate()):
        signers = {"pupil": None}
        choices = [("pupil", _("the pupil (16 or older)"))]
    else:
        guardians = pupil.guardians.filter(guardianships__has_parental_authority=True)
        signers = {str(g.pk): g for g in guardians}
        choices = [(key, str(g)) for key, g in signers.items()]
    categories = list(version.categories.all())
    form = PaperFormForm(_posted(request), categories=categories, signer_choices=choices)
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
    fields = [form[f"category_{c.number}"] for c in categories]
    context = {"pupil": pupil, "form": form, "category_fields": fields}
    return render(request, "consent/paper_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def never_flag(request, pupil_id: int):
    pupil = _pupil_led_by(request.user, pupil_id)
    flagged = services.is_never_flagged(pupil)
    form = NeverFlagForm(_posted(request))
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
