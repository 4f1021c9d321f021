"""How research and training material plugs into retention, erasure and the pupil's export
(`consentry.retention.registry`), registered from `ResearchConfig.ready()`.

- Rule `research.end_date`: material whose project's end date has passed is destroyed by
  the daily retention job, exactly as `consentry project_cleanup` does; both go through
  `services.destroy_material`, which does nothing to material already destroyed.
- Hold: a pupil who is the subject of a running kind 6 project is not erased or purged
  while the research about them runs; the project must end (or its end date be moved) first.
- Eraser: erasing a pupil destroys the live material they appear in, and takes them off
  ended projects' records.
- Export: a pupil's export names the projects whose material shows them (never the files:
  the leaflet promises that this material leaves the project only by being destroyed).
"""

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consentry.retention.registry import (
    Item,
    Rule,
    Section,
    in_pages,
    register_eraser,
    register_hold,
    register_rule,
    register_section,
)
from consentry.schools.models import Pupil

from . import services
from .models import Material, Project

RULE_ERASURE = "research.erasure"
MATERIAL = "research.material"


def _expired(now: datetime, school_id: int | None = None) -> Iterator[Item]:
    material = services.expired_material(now).order_by()
    if school_id is not None:
        material = material.filter(project__school_id=school_id)
    return in_pages(
        material,
        ("project__school_id", "kind", "project_id"),
        lambda rows: [
            Item(
                pk=pk,
                school_id=school,
                note=_("%(kind)s #%(id)s, project #%(project)s")
                % {"kind": kind, "id": pk, "project": project},
            )
            for pk, school, kind, project in rows
        ],
    )


def _destroy(items: list[Item]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for item in items:
        if services.destroy_material(
            Material(pk=item.pk), services.RULE_END_DATE, actor="retention job"
        ):
            counts[MATERIAL] += 1
    return counts


def _description() -> str:
    return _(
        "Research and training material (categories 6, 7 and 8): destroyed the day after "
        "its project's end date."
    )


def hold(pupil: Pupil) -> str:
    """Research about this pupil is running: their data stays until it ends.

    The reason names the project by number, not title: a title may name the child, and the
    reason also appears in the retention job's output."""
    return hold_many([pupil]).get(pupil.pk, "")


def hold_many(pupils: Sequence[Pupil]) -> dict[int, str]:
    """`hold` for a page of pupils, in one query."""
    today = timezone.localdate()
    running = Project.objects.filter(subject__in=[p.pk for p in pupils], ends_on__gte=today)
    reasons: dict[int, str] = {}
    for subject_id, number, ends_on in running.values_list("subject_id", "pk", "ends_on"):
        reasons.setdefault(  # the first in the projects' order, as before
            subject_id,
            _("Research project #%(number)s about this pupil runs until %(day)s.")
            % {"number": number, "day": ends_on.isoformat()},
        )
    return reasons


def erase(pupil: Pupil) -> Counter[str]:
    counts: Counter[str] = Counter()
    for material in Material.objects.live().filter(pupils=pupil):
        if services.destroy_material(material, RULE_ERASURE):
            counts[MATERIAL] += 1
    ended = Project.objects.filter(subject=pupil).update(subject=None)
    if ended:
        counts["research.project"] += ended
    return counts


def export(pupil: Pupil) -> list[dict]:
    projects = Project.objects.filter(Q(materials__pupils=pupil) | Q(subject=pupil))
    return [
        {
            "title": project.title,
            "kind": project.kind,
            "external_party": project.external_party,
            "purpose": project.purpose,
            "ends_on": project.ends_on,
            "about_this_pupil": project.subject_id == pupil.pk,
            "material_showing_the_pupil": project.materials.live().filter(pupils=pupil).count(),
        }
        for project in projects.distinct().order_by("ends_on")
    ]


def register() -> None:
    register_rule(
        Rule(
            name=services.RULE_END_DATE,
            what=MATERIAL,
            description=_description,
            expired=_expired,
            destroy=_destroy,
            school_filter=True,
        )
    )
    register_hold(hold, many=hold_many)
    register_eraser(erase, models=("research.project",))  # Project.subject is PROTECT
    register_section(
        Section(
            key="research_projects",
            collect=export,
            family=False,  # a kind 6 title may name another child: the school's view
            models=("research.project", "research.material"),
        )
    )
