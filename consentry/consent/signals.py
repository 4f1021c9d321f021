"""What the consent engine tells the rest of the project.

`consent_narrowed` (keyword `pupil_id`) is sent, inside the transaction that records it,
when a pupil may appear in less than before: a consent answer turned to no
(`services.decide`, `services.record_paper_form`), a never-photograph flag was set
(`services.set_never_flag`) or a separate request was answered no (`adhoc.services.answer`).
The photo gate listens (`photos.takedowns`) and takes down what was published of the pupil.
A signal and not an import, because photos builds on consent, not the other way round.
"""

from django.dispatch import Signal

consent_narrowed = Signal()
