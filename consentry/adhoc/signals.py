"""What separate requests tell the rest of the app.

`request_opened` (keywords `consent_request`, `now`) is sent inside the transaction that
sends a request (`services.open_request`, unless `notify=False`). The guardians' notices and
the reminder listen (connected in `apps.py`): they build on the rules in `services`, so the
rules do not import them.
"""

from django.dispatch import Signal

request_opened = Signal()
