"""De Loofhut's training project for the demo (`consentry seed_demo`).

A kind 7 project "Coaching in de klas" (video-interaction coaching of the Zonnebloem teacher)
that ends in a month, with one demo photo (a drawing made here, no real child) tagging two
pupils of the group: one whose guardians said yes to category 7, and one who is not covered,
so the project page shows a blocked item and the pupil it is waiting for.
"""

import io
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from consentry.accounts.models import User
from consentry.consent.services import consent_overview
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
    return project


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
