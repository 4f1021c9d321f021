"""Parents' own photos for the demo (`consentry seed_demo`): Sanne de Vries helped on the
trip to the petting farm and uploaded two photos into group Zonnebloem's queue.

- The first one went the whole way of asking first: the teacher tagged it (Lotte, two
  classmates and a parent helper), sent the question to their parents, one classmate's
  parent said yes and the other's no, and Sanne made the version to share: Lotte and the
  classmate with a yes are recognisable, everyone else is blurred.
- The second one waits in the teacher's queue, marked as from a parent, with Sanne's
  question to share it: the teacher persona can tag it and send the question herself.

Everything goes through the real services. The first photo's faces are found here, not by
the worker, so that it can be tagged in the seed (the worker then finds it done). No mail is
sent: the demo's outbox stays for the sign-in codes. The texts are Dutch, like the school.
"""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consentry.accounts.models import User
from consentry.adhoc.services import answer
from consentry.consent.services import never_flagged
from consentry.demo.personas import PERSONA_EMAILS
from consentry.demo.photos import draw
from consentry.schools.models import Group, Guardianship, Pupil

from . import parent_photos, services, tagging
from .models import Photo

FARM = ((200, 225, 250), (150, 190, 90))  # sky, grass
SHARED = ("kinderboerderij-1.jpg", [(200, 60), (480, 62), (760, 60), (1030, 78)])
QUEUED = ("kinderboerderij-2.jpg", [(350, 70), (850, 72)])
WHERE = "de familie-app, voor opa en oma"
PURPOSE = "Een foto van het uitje naar de kinderboerderij delen"
DESCRIPTION = (
    "Een ouder die meeging naar de kinderboerderij heeft deze foto gemaakt en wil hem "
    "delen in de familie-app, voor opa en oma. Zoals de privacybijsluiter vraagt, vraagt "
    "de ouder eerst om toestemming. Alleen kinderen van wie de ouders ja zeggen, zijn "
    "herkenbaar op de foto die de ouder krijgt; alle andere gezichten worden vervaagd."
)


def _upload(group: Group, guardian: User, name: str, figures) -> Photo:
    data = draw(*FARM, figures)
    return services.store_upload(
        group,
        SimpleUploadedFile(name, data, content_type="image/jpeg"),
        actor=guardian,
        from_guardian=True,
    )


def _classmates(group: Group, lotte: Pupil) -> list[tuple[Pupil, User]]:
    """Two classmates of Lotte whose families are not personas, each with a parent who
    decides; never a pupil with a never-photograph flag (nobody would be asked)."""
    pupils = Pupil.objects.members_of(group).current().exclude(pk=lotte.pk)
    pupils = pupils.exclude(guardians__email__in=PERSONA_EMAILS.values()).order_by("pk")
    never = never_flagged(pupils.values_list("pk", flat=True))
    found = []
    for pupil in pupils:
        parent = (
            Guardianship.objects.filter(pupil=pupil, has_parental_authority=True)
            .select_related("guardian")
            .order_by("pk")
            .first()
        )
        if pupil.pk not in never and parent is not None:
            found.append((pupil, parent.guardian))
        if len(found) == 2:
            break
    return found


def _tag(photo: Photo, teacher: User, choices: list[str]) -> None:
    """Left to right; a face beyond the choices is someone unknown."""
    faces = sorted(photo.faces.all(), key=lambda face: face.x)
    values = choices + [tagging.UNKNOWN] * max(0, len(faces) - len(choices))
    tagging.save_tags(photo, {f.pk: v for f, v in zip(faces, values, strict=False)}, actor=teacher)


def seed_parent_photos(group: Group, *, teacher: User) -> list[Photo]:
    sanne = User.objects.get(email=PERSONA_EMAILS["guardian"])
    lotte = Pupil.objects.members_of(group).get(guardians=sanne)
    shared = _upload(group, sanne, *SHARED)
    queued = _upload(group, sanne, *QUEUED)
    services.detect(shared.pk)  # here, not by the worker: the seed tags it
    shared.refresh_from_db()
    if shared.needs_check:  # the teacher looked at every face
        services.confirm_checked(shared, actor=teacher)
        shared.refresh_from_db()
    classmates = _classmates(group, lotte)
    if shared.status == Photo.Status.READY and shared.faces.exists() and len(classmates) == 2:
        _tag(shared, teacher, [str(lotte.pk), *(str(p.pk) for p, _g in classmates), "adult"])
        _ask_send_and_release(shared, sanne, teacher, lotte, classmates)
    parent_photos.ask_to_share(queued, sanne, "het fotoboek van de klas")
    return [shared, queued]


def _ask_send_and_release(photo, sanne, teacher, lotte, classmates) -> None:
    share = parent_photos.ask_to_share(photo, sanne, WHERE)
    if parent_photos.not_sendable_reason(photo):
        return
    asked = parent_photos.send_share(
        share,
        actor=teacher,
        purpose=PURPOSE,
        description=DESCRIPTION,
        deadline=timezone.localdate() + timedelta(days=10),
        notify=False,
    )
    answered = {pupil.pk for pupil in asked.pupils.all()}
    (yes_pupil, yes_parent), (no_pupil, no_parent) = classmates
    for guardian, pupil, given in (
        (sanne, lotte, True),
        (yes_parent, yes_pupil, True),
        (no_parent, no_pupil, False),
    ):
        if pupil.pk in answered:
            answer(guardian, asked, pupil, given)
    share.refresh_from_db()
    parent_photos.release(share, sanne)
