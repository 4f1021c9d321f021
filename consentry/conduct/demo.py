"""The demo's privacy rules for `consentry seed_demo`: "Gedragsregels privacy 2026" in force,
the school photographer's signed sheet recorded, and the intern Tim Jansen not acknowledged
yet, so that his one-click sign-in shows the acknowledgement first."""

from datetime import timedelta

from django.utils import timezone

from consentry.accounts.models import User
from consentry.schools.models import School

from . import services
from .models import Acknowledgement, PrivacyRules

LABEL = "Gedragsregels privacy 2026"

TEXT_NL = """\
Welkom op De Loofhut. Als stagiair, vrijwilliger, fotograaf of bezoeker zie en hoor je veel \
van onze kinderen, hun ouders en onze medewerkers. Privacy is een mensenrecht; daarom vragen \
we je deze afspraken te kennen en na te leven zolang je bij ons bent.

1. Geen foto's of video's van kinderen met je eigen telefoon, tablet of camera. Beeldmateriaal \
maak je alleen in opdracht van de school, met apparatuur van de school.
2. Je deelt niets: geen beelden, namen of verhalen over kinderen, ouders of medewerkers, niet \
op sociale media, niet in een appgroep, niet thuis aan tafel.
3. Wat je over een kind of gezin hoort of leest, blijft binnen de school. Die \
geheimhouding geldt ook na je stage of bezoek.
4. Je bekijkt en gebruikt alleen de gegevens die je voor je taak nodig hebt, en laat geen \
lijsten, schriften of schermen onbeheerd achter.
5. Voor je stageopdracht of verslag gebruik je geen namen of herkenbare beelden van \
kinderen; vraag de schoolleiding als je twijfelt.
6. Sommige kinderen mogen nooit herkenbaar in beeld. Vraag de leerkracht altijd eerst wie er \
wel en niet op de foto mag.
7. Vermoed je een datalek (iets is kwijt, verkeerd verstuurd of gezien door wie dat niet \
mocht), meld het dan meteen bij de schoolleiding (info@deloofhut.nl). De school moet binnen \
72 uur handelen.

Heb je een vraag of twijfel je? Vraag het de schoolleiding. In alle andere gevallen en bij \
twijfel vragen we eerst toestemming.
"""

TEXT_EN = """\
Welcome to De Loofhut. As an intern, volunteer, photographer or visitor you see and hear a \
lot about our children, their parents and our staff. Privacy is a human right, so we ask you \
to know these rules and keep them for as long as you are with us.

1. No photos or videos of children on your own phone, tablet or camera. Images are made only \
when the school asks, with the school's equipment.
2. You share nothing: no images, names or stories about children, parents or staff, not on \
social media, not in a chat group, not at home.
3. What you hear or read about a child or family stays within the school. This \
confidentiality continues after your internship or visit.
4. You look at and use only the information your task needs, and never leave lists, \
notebooks or screens unattended.
5. Your internship assignment or report uses no names or recognisable images of children; \
ask the school leadership when in doubt.
6. Some children must never appear recognisably in images. Always ask the teacher first who \
may and may not be photographed.
7. If you suspect a data breach (something lost, sent to the wrong people or seen by someone \
who should not), report it at once to the school leadership (info@deloofhut.nl). The school \
must act within 72 hours.

A question or a doubt? Ask the school leadership. In every other or doubtful case we ask for \
consent first.
"""


def seed(school: School, *, keeper: User) -> PrivacyRules:
    rules = services.start_draft(
        school, label=LABEL, text_nl=TEXT_NL, text_en=TEXT_EN, actor=keeper
    )
    services.publish(rules, actor=keeper, now=timezone.now() - timedelta(days=30))
    today = timezone.localdate()
    services.record_on_paper(
        keeper,
        rules,
        name="Karin Postma (Fotostudio Flevoland)",
        role=Acknowledgement.Role.PHOTOGRAPHER,
        period_from=today - timedelta(days=1),
        period_to=today + timedelta(days=2),
    )
    return rules
