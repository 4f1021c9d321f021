"""Erasing a pupil: on request (GDPR art. 17) or when their retention period ends.

What erasure removes
--------------------
The pupil's row and every row that points at it, found through the model relations, so a
model added later is covered without a change here:

- rows that go with the pupil by themselves (CASCADE): guardianships, memberships of
  composed groups, the pupil lists of requests and material;
- rows that would outlive the pupil (SET_NULL): mail about the pupil, whose text names them;
- the append-only decision events (`AppendOnlyModel`: consent events, never-photograph flag
  events, answers to separate requests). While the pupil is at school they are the proof of
  every decision. Once the pupil has left, that proof lives on in the audit trail, which
  holds ids, categories and yes or no, never names (see `audit.models`): with the pupil's row
  gone those ids no longer lead to a person inside Consentry;
- the accounts of the pupil's guardians (and the pupil's own account) that are left without
  any other child, staff role or record, with the mail sent to them. An account that still
  acted for someone else's record (a PROTECT elsewhere) stays.

What erasure keeps, and when it refuses
---------------------------------------
The audit trail is never touched (on PostgreSQL the database refuses); erasure appends one
entry: who erased which pupil id, why (a choice, never free text) and how many rows of each
kind. Erasure refuses, and retention keeps the pupil, while

- the pupil is still at school: the next roster import would bring the record back, and a
  current pupil's consent is withdrawn by answering no. The pupil administration marks them as
  left first;
- an app holds the pupil's data (`registry.register_hold`, say an active research project);
- a row of another kind still points at the pupil with PROTECT (a research project about
  them): that app must first say what erasure means for it (`registry.register_eraser`).
"""

from collections import Counter
from collections.abc import Sequence
from datetime import date

from django.db import models, transaction
from django.db.models import ForeignObjectRel, ProtectedError, Q, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consentry.accounts.models import User
from consentry.audit.services import erasing, record
from consentry.consent.models import AppendOnlyModel
from consentry.mail.models import OutgoingMail
from consentry.schools.models import Pupil

from . import registry

_BLOCKING = (models.PROTECT, models.RESTRICT)


class Reason(models.TextChoices):
    GUARDIAN_REQUEST = "guardian_request", gettext_lazy("at the request of a guardian")
    PUPIL_REQUEST = "pupil_request", gettext_lazy("at the request of the pupil")
    NOT_NEEDED = "not_needed", gettext_lazy("the school no longer needs the data")


class ErasureRefused(Exception):
    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(" ".join(reasons))


def pupil_relations() -> list[ForeignObjectRel]:
    """Every relation from another model to Pupil, hidden ones (mail's) included."""
    return [
        field
        for field in Pupil._meta.get_fields(include_hidden=True)
        if isinstance(field, ForeignObjectRel) and not field.many_to_many
    ]


def related_rows(pupil: Pupil, relation: ForeignObjectRel) -> models.QuerySet:
    return relation.related_model._base_manager.filter(**{relation.field.name: pupil.pk})


def _deleted_with_pupil(relation: ForeignObjectRel) -> bool:
    """Rows erasure deletes itself: decision events and rows that would outlive the pupil."""
    on_delete = relation.on_delete
    if on_delete in _BLOCKING:
        return issubclass(relation.related_model, AppendOnlyModel)
    return on_delete is not models.CASCADE


def refusals(pupil: Pupil, today: date | None = None) -> list[str]:
    """Why this pupil cannot be erased now; empty when they can (see the module's text)."""
    return refusals_for([pupil], today)[pupil.pk]


def refusals_for(pupils: Sequence[Pupil], today: date | None = None) -> dict[int, list[str]]:
    """`refusals` for many pupils at once (the retention job's page of pupils who left): a
    query per hold and per relation for the whole page, not per pupil."""
    today = today or timezone.localdate()
    reasons: dict[int, list[str]] = {pupil.pk: [] for pupil in pupils}
    for pupil in pupils:
        if pupil.left_on is None or pupil.left_on > today:
            reasons[pupil.pk].append(
                _(
                    "This pupil is still at school. Mark them as left in the pupil "
                    "administration first (the next import would bring the record back); to "
                    "withdraw consent, answer no."
                )
            )
    for hold, many in registry.holds():
        held = many(pupils) if many is not None else {p.pk: hold(p) for p in pupils}
        for pupil_id, reason in held.items():
            if reason:
                reasons[pupil_id].append(reason)
    handled = {label for _eraser, labels in registry.erasers() for label in labels}
    ids = list(reasons)
    for relation in pupil_relations():
        model = relation.related_model
        if model._meta.label_lower in handled or relation.on_delete not in _BLOCKING:
            continue
        if issubclass(model, AppendOnlyModel):
            continue
        name = relation.field.name
        referred = model._base_manager.filter(**{f"{name}__in": ids})
        for pupil_id in set(referred.values_list(name, flat=True)):
            reasons[pupil_id].append(
                _("Some %(kind)s still refer to this pupil; they must be dealt with first.")
                % {"kind": model._meta.verbose_name_plural}
            )
    return reasons


def counted(result: tuple[int, dict[str, int]]) -> Counter[str]:
    return Counter({label.lower(): n for label, n in result[1].items() if n})


def erase_rows(pupil: Pupil) -> Counter[str]:
    """Delete the pupil and everything that points at them; counts per model. No checks and
    no audit entry: the caller (erase_pupil, or a retention rule) does both. The append-only
    events may go only here (`erasing`: on PostgreSQL the database refuses elsewhere)."""
    counts: Counter[str] = Counter()
    accounts = [*pupil.guardians.all(), *([pupil.account] if pupil.account else [])]
    with erasing():
        for eraser, _labels in registry.erasers():
            counts += eraser(pupil)
        counts += _mail_naming(pupil, accounts)
        for relation in pupil_relations():
            if _deleted_with_pupil(relation):
                counts += counted(related_rows(pupil, relation).delete())
        counts += counted(Pupil.objects.filter(pk=pupil.pk).delete())
        for user in accounts:
            counts += _delete_if_orphaned(user)
    return counts


def _mail_naming(pupil: Pupil, accounts: list[User]) -> Counter[str]:
    """Mail about several children at once (a reminder, a separate request) is not linked to
    one pupil, but names each of them: a mail to this pupil's family that names them goes."""
    naming = Q(subject__contains=pupil.full_name) | Q(body__contains=pupil.full_name)
    mail = OutgoingMail.objects.filter(recipient__in=accounts, pupil__isnull=True)
    return counted(mail.filter(naming).delete())


def _delete_if_orphaned(user: User) -> Counter[str]:
    """An account that exists only for erased children goes too: its address has no use left."""
    if (
        user.is_staff
        or user.is_superuser
        or user.guardianships.exists()
        or user.staff_roles.exists()
        or Pupil.objects.filter(account=user).exists()
    ):
        return Counter()
    try:
        with transaction.atomic():
            counts = counted(OutgoingMail.objects.filter(recipient=user).delete())
            return counts + counted(User.objects.filter(pk=user.pk).delete())
    except (ProtectedError, RestrictedError):
        return Counter()  # they still stand behind someone else's record


@transaction.atomic
def erase_pupil(pupil: Pupil, *, actor, reason: str) -> Counter[str]:
    """Erase a pupil who left, at the request of the people concerned, with an audit entry.

    The entry keeps the pupil's id, the reason (one of `Reason`, never free text: it could not
    be erased from the trail) and the counts, so the school can show it did what was asked.
    """
    if reason not in Reason.values:
        raise ValueError(f"unknown reason {reason!r}")
    reasons = refusals(pupil)
    if reasons:
        raise ErasureRefused(reasons)
    try:
        counts = erase_rows(pupil)
    except (ProtectedError, RestrictedError) as error:
        if isinstance(error, ProtectedError):
            objects = error.protected_objects
        else:
            objects = error.restricted_objects
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in objects})
        message = _("Some %(kind)s still refer to this pupil; they must be dealt with first.")
        raise ErasureRefused([message % {"kind": ", ".join(kinds)}]) from None
    record(
        "pupil.erased",
        actor=actor,
        obj=pupil,
        school_id=pupil.school_id,
        data={"reason": reason, "counts": dict(sorted(counts.items()))},
    )
    return counts


def erasable_rows(pupil: Pupil) -> list[tuple[str, int]]:
    """What erasure would delete, per kind (for the confirmation page)."""
    rows = [(str(Pupil._meta.verbose_name), 1)]
    for relation in pupil_relations():
        count = related_rows(pupil, relation).count()
        if count:
            rows.append((_kind(relation), count))
    return rows


def _kind(relation: ForeignObjectRel) -> str:
    """A model's name; for the table behind a many-to-many field, what it links the pupil to."""
    meta = relation.related_model._meta
    if not meta.auto_created:
        return str(meta.verbose_name_plural)
    others = [f.related_model for f in meta.get_fields() if f.related_model not in (None, Pupil)]
    kind = others[0]._meta.verbose_name_plural if others else meta.verbose_name_plural
    return _("links to %(kind)s") % {"kind": kind}
