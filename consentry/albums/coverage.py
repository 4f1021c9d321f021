"""Whether a publication may still be shown now, checked at every request.

Why not trust `withdrawn_at` alone: a take-down runs in the background after the commit of
the decision that made consent lapse, and re-renders the photo first. Between the two, the
old publication is still current, yet a pupil visible in it may no longer appear. So every
album, feed and link asks here, at the moment it shows an image: every pupil visible in it
(its `VisiblePupil` rows, written with the publication) must have a yes for its category
now, under the consent engine's own rules (`consent.services.consent_overview`: never flag,
16+, deciders, any no wins). The take-down then replaces it with a version hiding them.

A few queries however many publications: the visible pupils of all of them in one, the
pupils' consent in the engine's fixed number.
"""

from collections import defaultdict
from collections.abc import Iterable

from consentry.consent.services import consent_overview
from consentry.photos.models import Publication, VisiblePupil
from consentry.schools.models import Pupil


def shown_now(publications: Iterable[Publication]) -> list[Publication]:
    """Of these publications, in their order, those that may be shown now: current (not
    taken down), for a category, and every pupil visible in them still has a yes for it.

    A publication for a separate request is never shown here (default deny): albums, the
    feed and newsletters are for the leaflet's categories."""
    candidates = [p for p in publications if p.withdrawn_at is None and p.category is not None]
    if not candidates:
        return []
    visible: dict[int, set[int]] = defaultdict(set)
    for publication_id, pupil_id in VisiblePupil.objects.filter(
        publication_id__in=[p.pk for p in candidates]
    ).values_list("publication_id", "pupil_id"):
        visible[publication_id].add(pupil_id)
    pupil_ids = set().union(*visible.values()) if visible else set()
    overview = {}
    if pupil_ids:
        numbers = {p.category for p in candidates if p.category is not None}
        pupils = Pupil.objects.filter(pk__in=sorted(pupil_ids))
        overview = consent_overview(pupils, numbers=numbers)
    return [p for p in candidates if _allowed(p, visible[p.pk], overview)]


def _allowed(publication: Publication, pupil_ids: set[int], overview: dict) -> bool:
    for pupil_id in pupil_ids:
        verdict = overview.get(pupil_id, {}).get(publication.category)
        if verdict is None or not verdict.allowed:
            return False  # the category left the leaflet, or no yes now
    return True


def is_shown_now(publication: Publication) -> bool:
    return bool(shown_now([publication]))
