"""Staff pages: a group's consent matrix, who may appear in one category (on screen and on
paper), and the school overview for the leadership."""

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from consentry.consent import services as consent
from consentry.consent import summaries
from consentry.consent.models import NeverFlagEvent
from consentry.consent.services import State
from consentry.leaflets.models import Category

from . import access
from .models import Pupil, School


@login_required
@require_GET
def group_list(request):
    groups = access.groups_visible_to(request.user).select_related("school")
    return render(request, "schools/group_list.html", {"groups": groups})


def _active_categories(facts: consent.ConsentFacts, school: School):
    return facts.active.get(school.pk), facts.categories.get(school.pk, [])


def _group_context(user, group_id: int) -> dict:
    """A group the user may see, its current pupils, their consent facts and the active
    leaflet's categories."""
    group = access.get_group_for_user(user, group_id)
    pupils = list(Pupil.objects.current().members_of(group))
    facts = consent.load_facts(pupils, schools={group.school_id})
    version, categories = _active_categories(facts, group.school)
    return {
        "group": group,
        "version": version,
        "categories": categories,
        "pupils": pupils,
        "facts": facts,
    }


def _matrix(
    pupils: list[Pupil], categories: list[Category], facts
) -> list[tuple[Pupil, bool, list]]:
    overview = consent.consent_overview(pupils, facts=facts)
    rows = []
    for pupil in pupils:
        verdicts = [overview[pupil.pk][c.number] for c in categories]
        rows.append((pupil, any(v.state is State.NEVER for v in verdicts), verdicts))
    return rows


@login_required
@require_GET
def group_matrix(request, group_id: int):
    context = _group_context(request.user, group_id)
    context["rows"] = _matrix(context["pupils"], context["categories"], context["facts"])
    return render(request, "schools/group_matrix.html", context)


def _chosen_category(request, categories: list[Category]) -> tuple[Category | None, bool]:
    """The category asked for in ?category=N, and whether the request named a bad one."""
    asked = request.GET.get("category", "").strip()
    if not asked:
        return None, False
    chosen = next((c for c in categories if str(c.number) == asked), None)
    return chosen, chosen is None


def _appearance_context(request, group_id: int) -> tuple[dict, int]:
    context = _group_context(request.user, group_id)
    category, bad = _chosen_category(request, context["categories"])
    context["category"] = category
    context["bad_category"] = bad
    context["today"] = timezone.localdate()
    if category is not None:
        context["appearance"] = summaries.who_may_appear(
            context["pupils"], category.number, facts=context["facts"]
        )
    return context, 400 if bad else 200


@login_required
@require_GET
def group_may_appear(request, group_id: int):
    """Who may appear in one category: for a teacher on a trip, on a phone."""
    context, status = _appearance_context(request, group_id)
    return render(request, "schools/may_appear.html", context, status=status)


@login_required
@require_GET
def group_print(request, group_id: int):
    """An A4 list for a trip or the school photographer: one category, or the whole matrix."""
    context, status = _appearance_context(request, group_id)
    if context["category"] is None:
        context["rows"] = _matrix(context["pupils"], context["categories"], context["facts"])
    return render(request, "schools/group_print.html", context, status=status)


def _state_counts(overview, by_pupil: dict[int, Pupil]):
    """Per category a Counter of states; the conflicts and the never-flagged pupils."""
    counts: dict[int, Counter] = {}
    conflicts: dict[int, list[int]] = {}
    never = []
    for pupil_id, verdicts in sorted(overview.items(), key=lambda item: str(by_pupil[item[0]])):
        for number, verdict in verdicts.items():
            counts.setdefault(number, Counter())[verdict.state] += 1
            if verdict.state is State.CONFLICT:
                conflicts.setdefault(pupil_id, []).append(number)
        if any(v.state is State.NEVER for v in verdicts.values()):
            never.append(by_pupil[pupil_id])
    return counts, conflicts, never


def _never_reasons(pupils: list[Pupil]) -> dict[int, str]:
    reasons = {}
    for event in NeverFlagEvent.objects.filter(pupil__in=pupils).order_by("recorded_at", "id"):
        reasons[event.pupil_id] = event.reason
    return reasons


@login_required
@require_GET
def school_overview(request, school_id: int):
    school = access.get_school_overseen_by(request.user, school_id)
    pupils = list(Pupil.objects.filter(school=school).current().select_related("group"))
    facts = consent.load_facts(pupils, schools={school.pk})
    version, categories = _active_categories(facts, school)
    titles = {c.number: c for c in categories}
    by_pupil = {p.pk: p for p in pupils}
    overview = consent.consent_overview(pupils, facts=facts)
    counts, conflicts, never = _state_counts(overview, by_pupil)
    leads = access.leads_school(request.user, school)
    reasons = _never_reasons(never) if leads else {}
    context = {
        "school": school,
        "version": version,
        "categories": categories,
        "total": len(by_pupil),
        "rate_table": summaries.response_rates(pupils, titles, facts=facts),
        "counts": [(c, counts.get(c.number, Counter())) for c in categories],
        "conflicts": [(by_pupil[p], [titles[n] for n in ns]) for p, ns in conflicts.items()],
        "never": [(p, reasons.get(p.pk)) for p in never],
        "unanswered": summaries.unanswered(pupils, facts=facts),
        "answer_again": len(summaries.must_answer_again(pupils, facts=facts)) if version else 0,
        "show_reasons": leads,
        "leads": leads,
    }
    return render(request, "schools/school_overview.html", context)
