"""What leaflets tell the rest of the project.

`leaflet_published` (keywords `version`, the new active version, and `new_round`: whether it
starts a new answer round, so that no earlier answer counts any more) is sent inside the
transaction that publishes it. Photos listens: after a new round every pupil may appear in
less (`photos.takedowns.on_leaflet_published`). A signal, because consent and photos build on
leaflets, not the other way round.
"""

from django.dispatch import Signal

leaflet_published = Signal()
