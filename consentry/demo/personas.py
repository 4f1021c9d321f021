"""The demo's personas: who you can sign in as with one click (demo mode only).

The demo seed (`consentry seed_demo`) creates exactly these accounts at De Loofhut.
"""

from django.utils.translation import gettext_lazy as _

PERSONAS = [
    ("guardian", _("Parent who gave consent (Sanne de Vries)"), "sanne.devries@example.nl"),
    ("other_guardian", _("The other parent (Mark de Vries)"), "mark.devries@example.nl"),
    ("separated_parent", _("Separated parent who refuses (Ilse Bakker)"), "ilse.bakker@example.nl"),
    ("teacher", _("Teacher of group Zonnebloem (Fatima el Amrani)"), "f.elamrani@deloofhut.nl"),
    ("leadership", _("School leadership (Joost van Dijk)"), "directie@deloofhut.nl"),
    (
        "privacy_officer",
        _("Privacy officer of the board (Anouk Smit)"),
        "privacy@bestuur.example.nl",
    ),
    ("intern", _("Intern (Tim Jansen)"), "stagiair@deloofhut.nl"),
]

PERSONA_EMAILS = {key: email for key, _label, email in PERSONAS}
