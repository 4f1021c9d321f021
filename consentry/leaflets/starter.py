"""The leaflet every new school starts from: De Loofhut's privacy leaflet, in Dutch and English.

`consentry setup` gives a new school this leaflet as its first draft; the leadership edits
every text in the draft editor before publishing it, and the demo publishes it unchanged as
De Loofhut's "versie 2023" (consentry.demo.leaflet_2023). A real school's leaflet is a better
start than empty fields: it shows what each section is for, and its categories carry the
numbers that consent events refer to (1-4, 6-8).

The Dutch text is the school's real leaflet (shared/domain/bijsluiter-privacy-loofhut-2023.txt),
split into its sections (introduction, the three parts of the policy, what we ask of parents,
the closing line) and per category into a title, a purpose (why) and examples (what it looks
like in practice). It is lightly adapted: the leaflet told parents to manage their preferences
in Parro; here they do that in Consentry, and the generated leaflet says how. The English is our
own translation. It still names the systems De Loofhut uses (Parro, ParnasSys / IEP): a new
school replaces those with its own.

Category 5 is absent on purpose: the school dropped it, and numbers stay stable across versions.
"""

# The leaflet's own words, section by section (LeafletVersion's texts). The generated leaflet
# adds what comes from the configuration: how to manage preferences in Consentry, the contact
# address, the processors per category, the version and its date.

INTRO_NL = """\
Privacy is een mensenrecht, net als het recht op gelijke behandeling en de vrijheid van \
meningsuiting. ‘Wat lastig, al die privacymaatregelen’, hoor je wel eens. Wij vinden dat bij \
een moderne manier van werken – steeds digitaler – nieuwe gewoontes horen. Zeker op een school \
waar iedereen gelijk is en we werken met verschillen.

U heeft het recht te beslissen over de privacy van uw kind. Als school hebben wij de \
verantwoordelijkheid hier zorgvuldig mee om te gaan en u te helpen een geïnformeerde keuze te \
maken.

De onderdelen waar we uw toestemming voor vragen zijn weloverwogen: ze helpen ons goed \
onderwijs vorm te geven, passend bij onze visie. Verderop leest u onze doelstelling per \
onderdeel en de mogelijke uitwerking."""

INTRO_EN = """\
Privacy is a human right, just like the right to equal treatment and the freedom of expression. \
‘All these privacy measures, what a nuisance’, people sometimes say. We believe that a modern \
way of working – more and more digital – calls for new habits. All the more so at a school \
where everyone is equal and where we work with differences.

You have the right to decide about your child's privacy. As a school, we have the \
responsibility to handle this with care and to help you make an informed choice.

The categories we ask your consent for have been carefully considered: they help us shape good \
education that fits our vision. Further on you can read our purpose for each category and what \
it may look like in practice."""

AGREEMENTS_NL = """\
Wij sluiten verwerkersovereenkomsten af met de bedrijven die, in dienst van ons, data van uw \
kind verzamelen. Een van de belangrijkste afspraken in zo’n overeenkomst is dat het bedrijf de \
data anonimiseert en alleen mag gebruiken voor de dienst die zij ons leveren. Denk hierbij aan \
de ‘eventuele digitale werkboekjes’ waar uw kind in werkt en de onderwijsresultaten en \
gespreksnotities die wij bijhouden in het leerlingvolgsysteem Parnassys / IEP."""

AGREEMENTS_EN = """\
We sign processor agreements with the companies that collect your child's data on our behalf. \
One of the most important arrangements in such an agreement is that the company anonymises the \
data and may use it only for the service it provides to us. Think of any ‘digital workbooks’ \
your child works in, and the educational results and notes of conversations that we keep in \
the pupil monitoring system ParnasSys / IEP."""

REDUCTION_NL = """\
Wij werken aan het verminderen van onnodige gegevensverzameling en publicatie. Bezoekers en \
stagiaires vragen we met onze privacyafspraken rekening te houden. De zaken die overblijven \
zijn van belang om goed onderwijs te geven dat past bij de visie van onze school."""

REDUCTION_EN = """\
We work to reduce unnecessary data collection and publication. We ask visitors and interns to \
respect our privacy arrangements. What remains matters for giving good education that fits our \
school's vision."""

ACTIVE_CONSENT_NL = """\
Wij hebben uw toestemming nodig voor specifieke onderdelen (zie verderop). U kunt uw \
privacyvoorkeuren altijd inzien en wijzigen in Consentry."""

ACTIVE_CONSENT_EN = """\
We need your consent for specific categories (see further on). You can always view and change \
your privacy preferences in Consentry."""

CONDUCT_NL = """\
Wij doen ons uiterste best ieders recht op privacy na te leven. Als iets eenmaal gedeeld is, \
ligt de verantwoordelijkheid bij u. Daarom vragen wij u:

Ga respectvol om met beeldmateriaal en persoonsgegevens van kinderen en medewerkers op onze \
school.

Verspreid geen beelden waar anderen herkenbaar op staan. Ook niet als u dit zelf maakt tijdens \
activiteiten zoals kamp, ouderhulp, uitstapjes, projectpresentaties of een grote viering.

Wilt u iets publiceren waar ook andere kinderen, ouders of medewerkers herkenbaar op staan? \
Vraag dan eerst om toestemming."""

CONDUCT_EN = """\
We do our utmost to respect everyone's right to privacy. Once something has been shared, the \
responsibility lies with you. That is why we ask you:

Treat images and personal data of the children and staff of our school with respect.

Do not spread images in which others can be recognised. Not even when you took them yourself \
during activities such as camp, parent help, outings, project presentations or a big \
celebration.

Would you like to publish something in which other children, parents or staff can be \
recognised? Then ask for permission first."""

CLOSING_NL = (
    "In alle andere gevallen en bij twijfelgevallen vragen we in aparte correspondentie om uw "
    "toestemming."
)

CLOSING_EN = "In all other cases, and whenever in doubt, we ask for your consent separately."

TEXTS = {
    "intro_nl": INTRO_NL,
    "intro_en": INTRO_EN,
    "agreements_nl": AGREEMENTS_NL,
    "agreements_en": AGREEMENTS_EN,
    "reduction_nl": REDUCTION_NL,
    "reduction_en": REDUCTION_EN,
    "active_consent_nl": ACTIVE_CONSENT_NL,
    "active_consent_en": ACTIVE_CONSENT_EN,
    "conduct_nl": CONDUCT_NL,
    "conduct_en": CONDUCT_EN,
    "closing_nl": CLOSING_NL,
    "closing_en": CLOSING_EN,
}

CATEGORIES: list[dict[str, int | str]] = [
    {
        "number": 1,
        "title_nl": "Onderwijsverslaggeving van uw kind",
        "title_en": "Educational record of your child",
        "purpose_nl": (
            "We leggen de ontwikkeling van uw kind in onze school schriftelijk maar ook visueel "
            "vast. Daarmee schetsen we een beeld van zijn/haar ontwikkeling."
        ),
        "purpose_en": (
            "We record your child's development at our school in writing, but also visually. "
            "This lets us sketch a picture of his or her development."
        ),
        "examples_nl": (
            "Uw kind staat bijvoorbeeld op de foto met andere kinderen uit de stamgroep, bouw of "
            "school: ze hebben samen een bouwwerk gemaakt, een uitstapje gehad of er was een "
            "andere speciale gelegenheid. Deze foto komt bij alle betrokkenen terecht. "
            "Bijvoorbeeld als een begeleidende foto bij een tekst in het tekstschrift, als "
            "speciaal moment in het portfolio of bewaarboek of in een ander (knutsel-)werkstuk. "
            "Ook de individuele schoolfoto, gemaakt door een extern bedrijf, valt hier onder."
        ),
        "examples_en": (
            "For example, your child is in a photo with other children from the class group, "
            "department or school: together they built something, went on an outing, or there "
            "was another special occasion. This photo goes to everyone involved. For example as "
            "a photo with a text in the writing notebook, as a special moment in the portfolio "
            "or keepsake book, or in another (craft) project. The individual school photo, taken "
            "by an external company, also falls under this category."
        ),
    },
    {
        "number": 2,
        "title_nl": "Besloten communicatie binnen stamgroep",
        "title_en": "Closed communication within the class group",
        "purpose_nl": (
            "Uw kind zit in een hechte stamgroep. Een manier om aan positieve groepsvorming te "
            "werken is door beeldmateriaal van de kinderen een mooie plek te geven in het lokaal. "
            "We werken aan een pedagogisch klimaat door ouders te betrekken bij de stamgroep."
        ),
        "purpose_en": (
            "Your child is part of a close-knit class group. One way to build a positive group is "
            "to give images of the children a nice place in the classroom. We work on a good "
            "pedagogical climate by involving parents in the class group."
        ),
        "examples_nl": (
            "Zo kunt u een ingelijste foto van kinderen vinden die vorig jaar de groep hebben "
            "verlaten. Aan de muur hangen portretten of een verjaardagskalender met foto's. Met "
            "ouders delen we informatie en beeldmateriaal in de besloten groepsomgeving van "
            "Parro. Ook laten we een professionele groepsfoto maken die betrokken ouders kunnen "
            "bestellen."
        ),
        "examples_en": (
            "For instance, you may find a framed photo of the children who left the group last "
            "year. Portraits or a birthday calendar with photos hang on the wall. With parents we "
            "share information and images in the closed group environment of Parro. We also have "
            "a professional group photo taken, which the parents involved can order."
        ),
    },
    {
        "number": 3,
        "title_nl": "Besloten communicatie binnen bouw en school",
        "title_en": "Closed communication within the department and school",
        "purpose_nl": (
            "We werken veel groeps- en bouwdoorbroken: we hebben maatjesgroepen en we organiseren "
            "gezamenlijke activiteiten. Hiervan delen we op een nette manier sfeerfoto's met de "
            "betrokken stamgroepen in Parro of in onze versleutelde nieuwsbrief."
        ),
        "purpose_en": (
            "We often work across class groups and departments: we have buddy groups and we "
            "organise joint activities. We share photos that capture the atmosphere of these, "
            "tastefully, with the class groups involved in Parro or in our encrypted newsletter."
        ),
        "examples_nl": (
            "Ook zijn er foto's te vinden in het schoolgebouw: in de hal van een bouw, in de "
            "vitrine van de centrale hal, de schoolverlaters hebben een eervolle plek en u ziet "
            "een ingelijste foto met de kinderen die in de schoolredactie of kinderraad zitten. "
            "Dus binnen de (digitale) muren van onze school."
        ),
        "examples_en": (
            "Photos can also be found in the school building: in a department's hall, in the "
            "display case of the central hall, the school leavers have a place of honour, and you "
            "will see a framed photo of the children on the school editorial team or the "
            "children's council. So: within the (digital) walls of our school."
        ),
    },
    {
        "number": 4,
        "title_nl": "Publieke communicatie school",
        "title_en": "Public communication by the school",
        "purpose_nl": (
            "Met zorg gemaakt en geselecteerd beeldmateriaal delen we met iedereen die "
            "geïnteresseerd is in onze school. Dit materiaal geeft onze school een smoelwerk voor "
            "de buitenwereld: een prettige omgeving waar we samen leven en leren, een school met "
            "mensen waar we trots op zijn."
        ),
        "purpose_en": (
            "We share carefully made and selected images with everyone who is interested in our "
            "school. This material gives our school a face to the outside world: a pleasant "
            "place where we live and learn together, a school with people we are proud of."
        ),
        "examples_nl": (
            "Zo staan er prachtige foto's op de openbare website van onze school, in de schoolgids "
            "die online staat en we sturen een treffende foto mee met een persbericht van "
            "belangrijk nieuws."
        ),
        "examples_en": (
            "For instance, there are beautiful photos on our school's public website and in the "
            "school guide that is online, and we send a fitting photo along with a press release "
            "about important news."
        ),
    },
    {
        "number": 6,
        "title_nl": "Interne onderzoeksdoeleinden op kind-, leerkracht- of schoolniveau",
        "title_en": "Internal research purposes at child, teacher or school level",
        "purpose_nl": (
            "Soms werken we als school met een externe partij om een beter beeld te krijgen van "
            "een situatie."
        ),
        "purpose_en": (
            "Sometimes, as a school, we work with an external party to get a better picture of a "
            "situation."
        ),
        "examples_nl": (
            "Bijvoorbeeld bij een vraagstuk rondom een klasgenoot van uw kind. Een video van het "
            "gedrag van dit klasgenootje in de normale groepssituatie kan daarbij helpen. Alleen "
            "het gedrag van het betreffende kind wordt geanalyseerd en zo'n onderzoek gaat altijd "
            "in overleg met deze ouder(s). Uw kind is slechts deel van de context, 'bijvangst'."
        ),
        "examples_en": (
            "For example, with a question concerning a classmate of your child. A video of this "
            "classmate's behaviour in the normal group setting can help. Only the behaviour of "
            "the child concerned is analysed, and such a study always takes place in consultation "
            "with that child's parent(s). Your child is only part of the context: 'bycatch'."
        ),
    },
    {
        "number": 7,
        "title_nl": "Interne trainingsdoeleinden",
        "title_en": "Internal training purposes",
        "purpose_nl": (
            "In onze school wordt veel geleerd, door de kinderen maar ook door het team."
        ),
        "purpose_en": (
            "A lot of learning happens at our school: by the children, but also by the team."
        ),
        "examples_nl": (
            "We werken met videointeractiebegeleiding, medewerkers houden een portfolio bij voor "
            "een opleiding en voor trainingen gebruiken we videomateriaal terwijl we ons vak "
            "uitoefenen. Deze beelden bekijken we met een externe professional of in teamverband "
            "terug, gericht op de professionele ontwikkeling en ter verbetering van het onderwijs. "
            "Dit beeldmateriaal wordt niet openbaar getoond, wordt niet gedeeld met derden, wordt "
            "niet gebruikt voor een ander doel dan deze, persoonsgegevens worden geanonimiseerd en "
            "alles wordt na gebruik vernietigd."
        ),
        "examples_en": (
            "We work with video interaction guidance, staff keep a portfolio for a training "
            "course, and for training we use video footage of ourselves at work. We review this "
            "footage with an external professional or as a team, aimed at professional "
            "development and at improving education. This footage is not shown publicly, is not "
            "shared with third parties and is not used for any other purpose; personal data are "
            "anonymised and everything is destroyed after use."
        ),
    },
    {
        "number": 8,
        "title_nl": (
            "Brede onderzoeksdoeleinden (geanonimiseerd, t.b.v. landelijke onderzoeksinstituten)"
        ),
        "title_en": "Broad research purposes (anonymised, for national research institutes)",
        "purpose_nl": (
            "We werken graag mee aan het verbeteren van de kennis over het onderwijs. Daarom doen "
            "we graag mee aan onderzoeken van gerenommeerde instituten. We werken alleen mee aan "
            "projecten waarbij beeldmateriaal of gegevens niet openbaar worden getoond, niet "
            "worden gedeeld met derden, niet worden gebruikt voor een ander doel dan deze, waarbij "
            "persoonsgegevens geanonimiseerd worden en alles (waar mogelijk) na gebruik wordt "
            "vernietigd."
        ),
        "purpose_en": (
            "We are glad to help improve what is known about education. That is why we like to "
            "take part in studies by renowned institutes. We only take part in projects in which "
            "images or data are not shown publicly, are not shared with third parties and are not "
            "used for any other purpose, in which personal data are anonymised and everything is "
            "destroyed after use (where possible)."
        ),
        "examples_nl": (
            "Bijvoorbeeld een kwalitatief universitair onderzoek naar leerkrachtvaardigheden "
            "waarbij videomateriaal van een medewerker wordt geanalyseerd die zijn/haar vak "
            "uitoefent in de normale groepssituatie. Of geanonimiseerde vragenlijsten over "
            "kenmerken van kinderen in de groep rondom uiteenlopende onderzoeksvragen."
        ),
        "examples_en": (
            "For example, a qualitative university study of teaching skills, in which video "
            "footage of a staff member doing their job in the normal group setting is analysed. "
            "Or anonymised questionnaires about characteristics of the children in the group, "
            "for a range of research questions."
        ),
    },
]
