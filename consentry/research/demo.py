"""De Loofhut's research and training projects for the demo (`consentry seed_demo`).

- A kind 7 project "Coaching in de klas" (video-interaction coaching of the Zonnebloem
  teacher) that ends in a month, with one demo photo (a drawing made here, no real child)
  tagging two pupils of the group: one whose guardians said yes to category 7, and one who
  is not covered, so the project page shows a blocked item and the pupil it is waiting for.
- A kind 6 project "Observatie in de groep" about one pupil of Zonnebloem (not a persona's
  child) whose guardians with parental authority all said yes on the separate request, with
  the Zonnebloem teacher as a member: she can upload a classroom video at once, mark the
  pupil, and download the anonymised video. No mail is sent (the outbox stays for codes).
"""

import io
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from consentry.accounts.models import User
from consentry.adhoc import services as adhoc
from consentry.consent.services import consent_overview, never_flagged
from consentry.demo.personas import PERSONA_EMAILS
from consentry.schools.models import Pupil, School

from . import services, uploads
from .models import Material, Project


def seed(school: School, *, leadership: User, teacher: User, today: date) -> Project:
    project = Project.objects.create(
        school=school,
        kind=Project.Kind.TRAINING,
        title="Coaching in de klas",
        external_party="Marjolein Bos, coach video-interactiebegeleiding (VIB)",
        purpose=(
            "De leerkracht van groep Zonnebloem bekijkt met de coach opnames van de eigen les, "
            "gericht op de eigen professionele ontwikkeling. De beelden worden niet gedeeld."
        ),
        ends_on=today + timedelta(days=30),
        created_by=leadership,
    )
    project.members.set([teacher, leadership])
    services.audit_created(project, actor=leadership)
    upload = SimpleUploadedFile("kringgesprek.png", _drawing())
    services.store_material(
        project,
        upload,
        uploads.inspect(upload),
        pupils=_two_pupils(school, teacher),
        others=Material.Others.NOBODY,
        description="Kringgesprek op maandagochtend (still uit de opname)",
        actor=teacher,
    )
    seed_observation(school, leadership=leadership, teacher=teacher, today=today)
    return project


def seed_observation(school: School, *, leadership: User, teacher: User, today: date) -> Project:
    """The kind 6 project, its separate request sent and answered yes by every guardian
    with parental authority (on the day before), so its subject is covered."""
    subject = _observed_pupil(school, teacher)
    consent_request = adhoc.create_request(
        school=school,
        actor=leadership,
        purpose="Onderzoek: observatie in de groep",
        description=(
            "De orthopedagoog observeert uw kind in de groep, ook op video, om beter te "
            "begrijpen wat het nodig heeft. Andere kinderen in beeld worden onherkenbaar "
            "gemaakt. Alleen de leden van het project zien de beelden; ze worden vernietigd "
            "na de einddatum."
        ),
        pupils=[subject],
        deadline=today + timedelta(days=14),
    )
    yesterday = timezone.now() - timedelta(days=1)
    adhoc.open_request(consent_request, actor=leadership, now=yesterday, notify=False)
    for guardianship in subject.guardianships.filter(has_parental_authority=True):
        adhoc.answer(guardianship.guardian, consent_request, subject, True, now=yesterday)
    project = Project.objects.create(
        school=school,
        kind=Project.Kind.RESEARCH,
        title="Observatie in de groep",
        external_party="Orthopedagoog, Praktijk De Brug",
        purpose=(
            "Beter begrijpen wat één leerling van groep Zonnebloem in de groep nodig heeft, "
            "met video-opnames van de les. Alleen deze leerling blijft herkenbaar."
        ),
        subject=subject,
        consent_request=consent_request,
        ends_on=today + timedelta(days=60),
        created_by=leadership,
    )
    project.members.set([teacher, leadership])
    services.audit_created(project, actor=leadership)
    return project


def _observed_pupil(school: School, teacher: User) -> Pupil:
    """A pupil of the teacher's group whose guardians are none of the personas (their
    pages stay as the other demo stories need them), with a guardian with authority and
    no never-photograph flag."""
    pupils = (
        Pupil.objects.current()
        .filter(school=school, group__teacher_roles__user=teacher)
        .filter(guardianships__has_parental_authority=True)
        .exclude(guardians__email__in=PERSONA_EMAILS.values())
        .distinct()
        .order_by("pk")
    )
    never = never_flagged([pupil.pk for pupil in pupils])
    return next(pupil for pupil in pupils if pupil.pk not in never)


def _two_pupils(school: School, teacher: User) -> list[Pupil]:
    """One covered and one not covered in category 7, from the teacher's own group."""
    pupils = Pupil.objects.filter(school=school, group__teacher_roles__user=teacher)
    overview = consent_overview(pupils)
    yes = [pid for pid, verdicts in sorted(overview.items()) if verdicts[7].allowed]
    no = [pid for pid, verdicts in sorted(overview.items()) if not verdicts[7].allowed]
    return list(Pupil.objects.filter(pk__in=[yes[0], no[0]]))


def _drawing() -> bytes:
    """A circle of chairs on a carpet: something to download, with nobody in it."""
    image = Image.new("RGB", (480, 320), (245, 240, 225))
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 60, 390, 260), fill=(190, 80, 60))
    for x, y in ((240, 40), (400, 160), (240, 280), (80, 160), (360, 70), (120, 250)):
        draw.rectangle((x - 14, y - 14, x + 14, y + 14), fill=(60, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
