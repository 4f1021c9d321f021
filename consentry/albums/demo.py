"""The albums in the demo (`consentry seed_demo`): the demo photos of group Zonnebloem tagged,
published for the class group, the school and the public, one public photo released to the
feed and a newsletter, all through the real services (audited like the product's).

Lotte de Vries (Sanne and Mark's daughter, yes for categories 2, 3 and 4) is on the
schoolyard photo only: when Mark withdraws category 2, that photo leaves Sanne's class album
and comes back with Lotte's face hidden, while the other photo stays. The released public
photo does not show Lotte, so the story of a public take-down leaves the feed as it is.

The faces are found here and now (`photos.services.detect`, the worker's own function),
not by the worker later: a photo can be published only once its faces are known.
"""

from datetime import timedelta

from django.utils import timezone

from consentry.accounts.models import User
from consentry.photos import publishing, services, tagging
from consentry.photos.models import Photo
from consentry.schools.models import Group, Pupil

from . import feed, newsletters

AUDIENCES = (2, 3, 4)


def seed_albums(group: Group, *, teacher: User, leadership: User) -> None:
    photos = list(Photo.objects.filter(group=group).order_by("pk"))
    if len(photos) < 2:
        return
    lotte = Pupil.objects.get(group=group, given_name="Lotte", family_name="Vries")
    others = list(
        Pupil.objects.members_of(group).current().exclude(pk=lotte.pk).order_by("pupil_number")
    )
    schoolyard, crafts = photos[0], photos[1]
    _tag(schoolyard, [lotte, *others[:2]], teacher)
    _tag(crafts, others[2:4], teacher)
    published = {
        (photo.pk, audience): publishing.publish(photo, audience, "blur", actor=teacher)
        for photo in (schoolyard, crafts)
        for audience in AUDIENCES
    }
    school = group.school
    feed.release(published[(crafts.pk, 4)], school=school, actor=leadership)
    newsletters.create(
        school,
        title="Nieuwsbrief van deze maand",
        publication_ids=[published[(crafts.pk, 3)].pk],
        valid_until=timezone.localdate() + timedelta(days=newsletters.DEFAULT_DAYS),
        actor=leadership,
    )


def _tag(photo: Photo, pupils: list[Pupil], teacher: User) -> None:
    """Find the faces now, confirm a doubtful photo, and tag its faces left to right."""
    services.detect(photo.pk)
    photo.refresh_from_db()
    if photo.status != Photo.Status.READY:
        raise RuntimeError(f"The demo photo {photo.original_name} could not be read.")
    if photo.needs_check:
        services.confirm_checked(photo, actor=teacher)
    faces = sorted(photo.faces.all(), key=lambda face: face.x)
    choices = {face.pk: tagging.UNKNOWN for face in faces}
    choices |= {face.pk: str(pupil.pk) for face, pupil in zip(faces, pupils, strict=False)}
    tagging.save_tags(photo, choices, actor=teacher)
