"""Demo requests for `consentry seed_demo`: an open one for group Zonnebloem (the teacher
persona's group) with some answers, and one for group Regenboog whose deadline has passed.

The persona Sanne de Vries has not answered yet, so her page shows the question. No mail is
sent: the demo's outbox stays for the sign-in codes. The texts are Dutch, like the school.
"""

import io
from datetime import datetime, timedelta

from django.utils import timezone
from PIL import Image, ImageDraw

from consentry.accounts.models import User
from consentry.demo.personas import PERSONA_EMAILS
from consentry.schools.models import Guardianship, Pupil, School

from .models import ConsentRequest
from .services import answer, create_request, open_request

# Per pupil in turn: who answers what. "yes" and "no" are one guardian's answer; "split" is
# one guardian yes and the other no (a conflict, so no); None leaves the pupil unanswered.
PATTERN = ["yes", "yes", "no", "yes", None, "yes", "split", "yes", "no", None, "yes", "yes"]


def _sports_day_image() -> bytes:
    """A drawn stand-in for the photo: a field, a sun and a finish line."""
    image = Image.new("RGB", (800, 500), (135, 190, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, 800, 500), fill=(90, 170, 80))
    draw.ellipse((620, 40, 740, 160), fill=(250, 210, 60))
    draw.rectangle((380, 200, 400, 420), fill=(255, 255, 255))
    draw.text((40, 40), "Sportdag De Loofhut", fill=(20, 40, 80))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _answer_some(consent_request: ConsentRequest, when: datetime) -> None:
    pupils = consent_request.pupils.exclude(guardians__email__in=PERSONA_EMAILS.values())
    for pupil, kind in zip(pupils.order_by("pk"), PATTERN, strict=False):
        deciders = [
            g.guardian
            for g in Guardianship.objects.filter(pupil=pupil, has_parental_authority=True)
            .select_related("guardian")
            .order_by("pk")
        ]
        if kind is None or not deciders:
            continue
        answer(deciders[0], consent_request, pupil, kind != "no", now=when)
        if kind == "split" and len(deciders) > 1:
            answer(deciders[1], consent_request, pupil, False, now=when + timedelta(hours=3))


def seed_requests(school: School, *, teacher: User, leadership: User) -> list[ConsentRequest]:
    now = timezone.now()
    today = timezone.localdate()
    newspaper = create_request(
        school=school,
        actor=teacher,
        purpose="Foto in de regionale krant na de sportdag",
        description=(
            "De Almere Courant maakt op de sportdag foto's en wil er één in de krant en op haar "
            "website plaatsen, met de voornaam van de kinderen die erop staan. Dat valt buiten "
            "de privacybijsluiter, dus we vragen het apart. Alleen kinderen met toestemming "
            "komen op de foto die de krant krijgt."
        ),
        pupils=Pupil.objects.current().members_of(school.groups.get(name="Zonnebloem")),
        deadline=today + timedelta(days=10),
        preview=_sports_day_image(),
    )
    open_request(newspaper, actor=teacher, now=now - timedelta(days=2), notify=False)
    _answer_some(newspaper, now - timedelta(days=1))

    past = now - timedelta(days=30)
    open_day = create_request(
        school=school,
        actor=leadership,
        purpose="Filmpje voor de open dag",
        description="Een korte film over een dag in groep Regenboog, voor de open dag.",
        pupils=Pupil.objects.current().members_of(school.groups.get(name="Regenboog")),
        deadline=timezone.localdate(past) + timedelta(days=14),
        now=past,
    )
    open_request(open_day, actor=leadership, now=past, notify=False)
    _answer_some(open_day, past + timedelta(days=3))
    return [newspaper, open_day]
