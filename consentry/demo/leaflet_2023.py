"""De Loofhut's privacy leaflet "versie 2023": the demo school's published leaflet.

Its texts are the starter leaflet that every new school begins from
(consentry.leaflets.starter), which is De Loofhut's own leaflet; the demo adds only the label.
"""

from consentry.leaflets.starter import CATEGORIES, CLOSING_NL, TEXTS

LABEL = "versie 2023"

__all__ = ["CATEGORIES", "CLOSING_NL", "LABEL", "TEXTS"]
