"""Replacing the master key (`consentry rotate_master_key`): every data key wrapped by the
master key is wrapped again under the new one; the encrypted files themselves never change.

Why one transaction: with some keys under the old master key and some under the new, no
single key would open every photo. Why the rows are locked: a retention run that wipes a key
meanwhile must not see it written back. Why the web and the workers are stopped first (the
command says so): a process that still has the old key would wrap the key of a new upload
with it. A second run is harmless, and picks up any such key: a key that the new master key
already opens is counted and left alone.
"""

from django.db import transaction

from consentry.audit.services import record
from consentry.research.models import Video

from . import crypto
from .models import Photo, Publication

# Every model with a data key wrapped by the master key (a wiped key is b"": destroyed).
# Research videos are sealed in chunks under such a key too (research/sealing.py).
WRAPPED_KEYS = {"photos": Photo, "publications": Publication, "research videos": Video}
BATCH = 500


class RotationError(Exception):
    pass


def rotate_master_key(old: bytes, new: bytes, *, actor="command line") -> dict[str, int]:
    """Re-wrap every wrapped key from `old` to `new`, all or nothing; how many, per kind."""
    if new == old:
        raise RotationError("The new master key is the current one.")
    counts = {"already under the new key": 0}
    with transaction.atomic():
        for kind, model in WRAPPED_KEYS.items():
            rewrapped, already = _rewrap(kind, model, old, new)
            counts[kind] = rewrapped
            counts["already under the new key"] += already
        record("photos.master_key_rotated", actor=actor, data=counts)
    return counts


def _rewrap(kind: str, model, old: bytes, new: bytes) -> tuple[int, int]:
    rewrapped = already = 0
    unreadable: list[int] = []
    live = model.objects.exclude(wrapped_key=b"").select_for_update().order_by("pk")
    last = 0
    while batch := list(live.filter(pk__gt=last).only("pk", "wrapped_key")[:BATCH]):
        last = batch[-1].pk
        changed = []
        for row in batch:
            wrapped = bytes(row.wrapped_key)
            try:
                row.wrapped_key = crypto.rewrap(wrapped, old=old, new=new)
                changed.append(row)
            except crypto.DecryptionFailed:
                if crypto.opens(new, wrapped):
                    already += 1
                else:
                    unreadable.append(row.pk)
        model.objects.bulk_update(changed, ["wrapped_key"])
        rewrapped += len(changed)
    if unreadable:
        raise RotationError(
            f"{len(unreadable)} {kind} (ids {_ids(unreadable)}) have "
            "a key that neither the current nor the new master key opens: nothing was changed."
        )
    return rewrapped, already


def _ids(ids: list[int]) -> str:
    shown = ", ".join(map(str, ids[:10]))
    return shown + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
