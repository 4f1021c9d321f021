"""De Loofhut's processors and processing register, for the demo (`consentry seed_demo`).

Dates follow today, so the demo always shows each state: valid agreements, one whose review
date is near (the privacy officer's reminder), one that expired and one processor that has
no agreement yet. Every entry is written with its audit entry, as the pages would.
"""

from datetime import date, timedelta

from consentry.accounts.models import User
from consentry.schools.models import Board

from . import services
from .models import SECTOR_MODEL, Agreement, Anonymisation, LegalBasis, ProcessingActivity
from .models import Processor as P

EU = "Nederland (EU)"

PROCESSORS = {
    "parnassys": dict(
        company="Topicus Onderwijs",
        product="ParnasSys (leerlingadministratie en leerlingvolgsysteem)",
        contact_name="Servicedesk ParnasSys",
        contact_email="privacy@parnassys.example",
        categories=[1],
    ),
    "parro": dict(
        company="Topicus Onderwijs",
        product="Parro (ouderapp)",
        contact_email="privacy@parro.example",
        categories=[2, 3],
    ),
    "photographer": dict(
        company="Fotostudio Lenswerk",
        product="Schoolfotografie (portret- en groepsfoto's)",
        contact_name="Marieke Lens",
        contact_email="info@lenswerk.example",
        contact_phone="036 123 45 67",
        categories=[1, 2],
    ),
    "iep": dict(
        company="Cito",
        product="IEP leerlingvolgsysteem (toetsen)",
        contact_email="privacy@cito.example",
        categories=[1],
    ),
    "workbooks": dict(
        company="Uitgeverij Werkwijzer",
        product="Digitale werkboekjes rekenen en taal",
        contact_email="privacy@werkwijzer.example",
        categories=[1],
    ),
}

SHEET = dict(
    purposes="Uitvoeren van de dienst voor de school; niet voor andere doelen.",
    sub_processors="Hostingpartij in Nederland.",
    storage_location=EU,
    security_measures="Versleutelde verbindingen en opslag, toegang op rol, twee-factor-login.",
)


def _agreements(today: date) -> dict[str, dict]:
    year = timedelta(days=365)
    return {
        "parnassys": dict(
            signed_on=today - year,
            review_on=today + 2 * year,
            personal_data="Naam, geboortedatum, leerlingnummer, groep, resultaten, notities.",
            retention="Tot twee jaar na vertrek van de leerling.",
            anonymised=Anonymisation.PSEUDONYMISED,
        ),
        "parro": dict(
            signed_on=today - year,
            review_on=today + year,
            personal_data="Naam, groep, foto's van de groep, berichten met ouders.",
            retention="Berichten en foto's een schooljaar; accounts tot vertrek.",
            anonymised=Anonymisation.NO,
        ),
        "photographer": dict(
            signed_on=today - 2 * year,
            review_on=today + timedelta(days=20),  # the reminder is due
            personal_data="Naam, groep, portret- en groepsfoto's.",
            retention="Foto's tot drie maanden na de bestelperiode.",
            anonymised=Anonymisation.NO,
        ),
        "iep": dict(
            signed_on=today - 4 * year,
            ends_on=today - timedelta(days=45),  # expired
            personal_data="Naam, leerlingnummer, groep, toetsresultaten.",
            retention="Resultaten vijf jaar, geanonimiseerd voor normering.",
            anonymised=Anonymisation.PSEUDONYMISED,
        ),
    }


ACTIVITIES = [
    dict(
        name="Leerlingadministratie",
        purpose="Inschrijving, groepsindeling en bekostiging van leerlingen.",
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        data_categories="Naam, geboortedatum, adres, leerlingnummer, groep, ouders/verzorgers.",
        data_subjects="Leerlingen en hun ouders/verzorgers.",
        recipients="DUO (bekostiging), de volgende school (onderwijskundig rapport).",
        retention="Tot twee jaar na vertrek van de leerling.",
        processors=["parnassys"],
    ),
    dict(
        name="Leerlingvolgsysteem en toetsen",
        purpose="De ontwikkeling van leerlingen volgen en het onderwijs daarop afstemmen.",
        legal_basis=LegalBasis.PUBLIC_TASK,
        data_categories="Resultaten, observaties, gespreksnotities.",
        data_subjects="Leerlingen.",
        recipients="Intern begeleider, leerkrachten van de leerling.",
        retention="Tot twee jaar na vertrek van de leerling.",
        processors=["parnassys", "iep", "workbooks"],
    ),
    dict(
        name="Communicatie met ouders",
        purpose="Ouders informeren over de groep en de school (bijsluiter, categorie 2 en 3).",
        legal_basis=LegalBasis.CONSENT,
        data_categories="Naam, groep, beeldmateriaal, berichten.",
        data_subjects="Leerlingen, ouders/verzorgers, medewerkers.",
        recipients="Ouders van de stamgroep, bouw of school.",
        retention="Een schooljaar.",
        processors=["parro"],
    ),
    dict(
        name="Schoolfotografie",
        purpose="Portret- en groepsfoto's die ouders kunnen bestellen (categorie 1 en 2).",
        legal_basis=LegalBasis.CONSENT,
        data_categories="Naam, groep, foto's.",
        data_subjects="Leerlingen met toestemming.",
        recipients="Ouders die bestellen.",
        retention="Drie maanden na de bestelperiode.",
        processors=["photographer"],
    ),
    dict(
        name="Toestemming voor beeldmateriaal",
        purpose="Vastleggen en bewijzen welke toestemming ouders per categorie gaven.",
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        data_categories="Naam, groep, toestemmingen per categorie, gezag.",
        data_subjects="Leerlingen en hun ouders/verzorgers.",
        recipients="Schoolleiding en leerkrachten van de leerling.",
        retention="Zolang de leerling op school zit, daarna twee jaar.",
        processors=[],
    ),
]


def seed_processors(board: Board, actor: User, today: date) -> None:
    """Create the board's demo processors, agreements and processing register."""
    processors = {
        key: P.objects.create(board=board, **fields) for key, fields in PROCESSORS.items()
    }
    for processor in processors.values():
        _audit(processor, actor, board)
    for key, fields in _agreements(today).items():
        agreement = Agreement.objects.create(
            processor=processors[key], model_version=SECTOR_MODEL, **SHEET, **fields
        )
        _audit(agreement, actor, board)
    for fields in ACTIVITIES:
        fields = dict(fields)
        keys = fields.pop("processors")
        activity = ProcessingActivity.objects.create(board=board, **fields)
        activity.processors.set([processors[key] for key in keys])
        _audit(activity, actor, board)


def _audit(obj, actor: User, board: Board) -> None:
    fields = [f.name for f in obj._meta.concrete_fields if f.name not in ("id", "created_at")]
    services.record_change(obj, actor=actor, board_id=board.pk, created=True, fields=fields)
