"""Staff pages: a group's consent matrix and the school overview for the leadership."""

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from consentry.consent import services as consent
from consentry.consent.models import NeverFlagEvent
from consentry.consent.services import State
from consentry.leaflets.models import LeafletVersion

from . import access
from .models import Pupil


@login_required
def group_list(request):
    groups = access.groups_visible_to(request.user).select_related("school")
    return render(request, "schools/group_list.html", {"groups": groups})


@login_required
def group_matrix(request, group_id: int):
    group = access.get_group_for_user(request.user, group_id)
    pupils = Pupil.objects.current().members_of(group)
    version = LeafletVersion.objects.active().filter(school=group.school).first()
    categories = list(version.categories.all()) if version else []
    overview = consent.consent_overview(pupils)
    rows = [(p, [overview[p.pk][c.number] for c in categories]) for p in pupils]
    context = {"group": group, "categories": categories, "rows": rows, "version": version}
    return render(request, "schools/group_matrix.html", context)


@login_required
def school_overview(request, school_id: int):
    school = access.get_school_overseen_by(request.user, school_id)
    version = LeafletVersion.objects.active().filter(school=school).first()
    categories = list(version.categories.all()) if version else []
    pupils = Pupil.objects.filter(school=school).current().select_related("group")
    overview = consent.consent_overview(pupils)
    by_pupil = {p.pk: p for p in pupils}
    counts: dict[int, Counter] = {c.number: Counter() for c in categories}
    conflicts, unanswered, never = [], [], []
    for pupil_id, verdicts in overview.items():
        pupil = by_pupil[pupil_id]
        for number, verdict in verdicts.items():
            counts[number][verdict.state] += 1
            if verdict.state is State.CONFLICT:
                conflicts.append((pupil, number))
        states = {v.state for v in verdicts.values()}
        if State.NEVER in states:
            never.append(pupil)
        elif states == {State.UNANSWERED}:
            unanswered.append(pupil)
    total = len(by_pupil)
    rates = [(c, total - counts[c.number][State.UNANSWERED], counts[c.number]) for c in categories]
    show_reasons = access.leads_school(request.user, school)
    reasons = {}
    if show_reasons:
        for event in NeverFlagEvent.objects.filter(pupil__in=never).order_by("recorded_at", "id"):
            reasons[event.pupil_id] = event.reason
    context = {
        "school": school,
        "version": version,
        "total": total,
        "rates": rates,
        "conflicts": conflicts,
        "unanswered": unanswered,
        "never": [(p, reasons.get(p.pk)) for p in never],
        "show_reasons": show_reasons,
    }
    return render(request, "schools/school_overview.html", context)
