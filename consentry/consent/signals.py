"""What the consent engine tells the rest of the project.

Signals and not imports, because the apps that act on consent (photos, mail) build on
consent, not the other way round.

- `consent_recorded` (keywords `events`, the new `ConsentEvent`s of one save of one pupil,
  and `previous`, the decider's own earlier answer per category): sent inside the
  transaction that records them. Mail listens: receipts to every guardian, and a notice to
  the leadership when the guardians come to disagree (`mail.receipts`).
- `consent_narrowed` (keyword `pupil_id`): sent inside the transaction, whenever a pupil may
  appear in less than before: a consent answer turned to no (`services.decide`,
  `services.record_paper_form`), a never-photograph flag was set (`services.set_never_flag`),
  a separate request was answered no (`adhoc.services.answer`), a guardian's parental
  authority changed (`schools`, `roster`). The photo gate listens (`photos.takedowns`) and
  takes down what was published of the pupil. Narrowing for a whole school at once (a new
  answer round) and the daily safety net are `photos.takedowns.sweep_school`.
"""

from django.dispatch import Signal

consent_recorded = Signal()
consent_narrowed = Signal()
