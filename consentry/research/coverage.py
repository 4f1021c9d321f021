"""Which pupils in a project's material are covered by consent, and which are not.

Derived every time, never stored: a guardian may withdraw consent at any moment, and
material that shows a pupil who is no longer covered must be blocked at once.

- The subject of a kind 6 project is covered only by the separate request, approved by
  every guardian with parental authority (or by the pupil from 16): research about one child
  "always goes in consultation with the parents", so one parent's yes is not enough.
- Every other pupil in the material needs consent in the leaflet category of the project's
  kind (6, 7 or 8), through `consent.services.check`: unanswered, refused, guardians who
  disagree and a never-photograph flag all mean not covered.
- In a kind 6 project nothing is usable before the subject is covered: the material exists
  for the subject's sake.
- Default-deny, as in the photo gate (`photos/gate.py`): only who is positively known to be
  covered counts. Material in which someone appears who is not a ticked pupil (a child
  not in the list, an unknown person, an adult who did not agree), material with adults in
  a project that does not allow adults, and material for which the uploader has not said
  who else appears, are not covered, whatever the ticked pupils' consent. A ticked pupil
  for whom the engine gives no verdict is not covered either.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from consentry.adhoc import services as adhoc
from consentry.adhoc.models import RequestAnswer
from consentry.consent.services import REASONS, ConsentError, check
from consentry.schools.models import Guardianship, Pupil

from .models import Material, Project


@dataclass(frozen=True)
class Cover:
    pupil: Pupil
    covered: bool
    reason: str
    is_subject: bool = False


# Why the people in a material who are not ticked pupils block it (Material.others).
OTHERS_REASONS: dict[str, Promise] = {
    Material.Others.UNSTATED: gettext_lazy(
        "Not covered: nobody has said yet whether anyone else appears in it."
    ),
    Material.Others.UNTAGGED: gettext_lazy(
        "Not covered: someone appears in it who is not a ticked pupil (a child who is not "
        "in the list, an adult who did not agree, or someone unknown)."
    ),
    Material.Others.ADULTS: gettext_lazy(
        "Not covered: adults appear in it, and this project allows no adults."
    ),
}


VIDEO_NOT_MARKED = gettext_lazy(
    "Not covered yet: nobody has marked who stays visible in this video (everyone else is blurred)."
)


def others_block(project: Project, material: Material) -> str:
    """Why the people in `material` other than the ticked pupils block it, or "" when
    they do not: only "nobody else", or consenting adults where the project allows them.

    A video is anonymised (research/videos.py): everyone its uploader did not mark visible
    is blurred, so what counts is who was marked, and before that nothing is covered."""
    if material.is_video and not _video_marked(material):
        return str(VIDEO_NOT_MARKED)
    if material.others == Material.Others.NOBODY:
        return ""
    if material.others == Material.Others.ADULTS and project.adults_may_appear:
        return ""
    reason = OTHERS_REASONS.get(material.others, OTHERS_REASONS[Material.Others.UNSTATED])
    return str(reason)


def _video_marked(material: Material) -> bool:
    video = getattr(material, "video", None) if material.pk else None
    return video is not None and video.marked_at is not None


@dataclass
class Coverage:
    project: Project
    pupils: dict[int, Cover]  # pupil id -> cover

    @property
    def uncovered(self) -> list[Cover]:
        return [cover for cover in self.pupils.values() if not cover.covered]

    @property
    def covered(self) -> list[Cover]:
        return [cover for cover in self.pupils.values() if cover.covered]

    def uncovered_in(self, material: Material) -> list[Cover]:
        """The pupils who block this material (the subject counts in a kind 6 project).
        A pupil without a cover (no verdict for them) blocks it too."""
        pupils = {pupil.pk: pupil for pupil in material.pupils.all()}
        if self.project.subject is not None:
            pupils[self.project.subject.pk] = self.project.subject
        covers = [
            self.pupils.get(pid) or Cover(pupil, False, _("No consent is known."))
            for pid, pupil in sorted(pupils.items())
        ]
        return [cover for cover in covers if not cover.covered]

    def others_in(self, material: Material) -> str:
        """Why the people in it who are not ticked pupils block it, or ""."""
        return others_block(self.project, material)

    def blocked_by_others(self, materials: Iterable[Material]) -> list[Material]:
        return [material for material in materials if self.others_in(material)]

    def allows(self, material: Material) -> bool:
        return not self.uncovered_in(material) and not self.others_in(material)

    def reasons_only_for(self, pupil_ids: set[int]) -> "Coverage":
        """The same coverage, saying why only for the given pupils.

        A member sees who blocks the material, but the reason (refused, never photograph,
        ...) only for pupils they see anyway through their own role: a never-photograph
        flag must not reach staff of other groups.
        """
        return Coverage(
            self.project,
            {
                pk: cover if pk in pupil_ids or cover.covered else replace(cover, reason="")
                for pk, cover in self.pupils.items()
            },
        )


def coverage(project: Project, materials: Iterable[Material] | None = None) -> Coverage:
    """The cover of every pupil in the given material (default: all live material of the
    project), and of the subject of a kind 6 project. A fixed number of queries."""
    if materials is None:
        materials = project.materials.live().prefetch_related("pupils")
    ids = {pupil.pk for material in materials for pupil in material.pupils.all()}
    pupils = Pupil.objects.filter(pk__in=ids).exclude(pk=project.subject_id or 0)
    covers = _category_covers(project, pupils)
    if project.subject is not None:
        covers[project.subject.pk] = subject_cover(project)
    ordered = sorted(covers.values(), key=lambda c: (not c.is_subject, c.pupil.full_name))
    return Coverage(project, {cover.pupil.pk: cover for cover in ordered})


def _category_covers(project: Project, pupils: QuerySet[Pupil]) -> dict[int, Cover]:
    by_id = {pupil.pk: pupil for pupil in pupils}
    if not by_id:
        return {}
    try:
        verdicts = check(pupils, project.school, project.category_number)
    except ConsentError as error:  # no active leaflet, or the category is not in it
        return {pid: Cover(pupil, False, str(error)) for pid, pupil in by_id.items()}
    return {
        v.pupil_id: Cover(by_id[v.pupil_id], v.allowed, v.reason_text)
        for v in verdicts
        if v.pupil_id in by_id
    }


def subject_cover(project: Project) -> Cover:
    """Is the subject of a kind 6 project covered by the separate request?

    Stricter than the request itself (where one guardian's yes is enough, as for the
    leaflet): research about one child needs the yes of every guardian with parental
    authority, or the pupil's own yes from 16. The request's rules still apply on top: it
    must have been sent, nobody may have said no, and a never-photograph flag blocks.
    """
    subject, consent_request = project.subject, project.consent_request
    assert subject is not None and consent_request is not None
    if consent_request.status == consent_request.Status.DRAFT:
        return Cover(subject, False, _("The separate request has not been sent."), True)
    if not adhoc.request_allows(consent_request, subject):
        outcome = adhoc.outcomes(consent_request).get(subject.pk)
        if subject.pk in adhoc.never_flagged([subject.pk]):
            reason = str(REASONS["never_photograph"])
        else:
            reason = outcome.reason_text if outcome else _("Not asked in the separate request.")
        return Cover(subject, False, reason, True)
    missing = _guardians_without_yes(consent_request, subject)
    if missing:
        reason = ngettext(
            "Waiting for the yes of %(count)d more guardian with parental authority.",
            "Waiting for the yes of %(count)d more guardians with parental authority.",
            missing,
        ) % {"count": missing}
        return Cover(subject, False, reason, True)
    return Cover(subject, True, _("Every guardian with parental authority said yes."), True)


def _guardians_without_yes(consent_request, pupil: Pupil) -> int:
    """How many guardians with authority have not (or no longer) said yes; 0 from 16,
    when the pupil's own yes (checked by `request_allows`) is what counts."""
    if pupil.decides_for_self(timezone.localdate()):
        return 0
    latest: dict[int | None, bool] = {}
    for guardian_id, given in (
        RequestAnswer.objects.filter(request=consent_request, pupil=pupil)
        .order_by("recorded_at", "id")
        .values_list("guardian_id", "given")
    ):
        latest[guardian_id] = given
    deciders = Guardianship.objects.filter(pupil=pupil, has_parental_authority=True)
    return sum(1 for gid in deciders.values_list("guardian_id", flat=True) if not latest.get(gid))
