"""Parental authority that a roster file did not state, confirmed by the school.

Why: only a guardian with parental authority (gezag) decides about a child. OneRoster has
no field for it, so Consentry never assumes it: such a guardian waits, unable to decide,
until the leadership confirms yes or no here (or a guardians CSV says). Every confirmation
or correction is audited, and because it changes who decides, the pupil's publications are
checked again (`consent.signals.consent_narrowed`).
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from consentry.accounts.models import User
from consentry.audit.services import record as audit
from consentry.consent.signals import consent_narrowed
from consentry.schools import access
from consentry.schools.models import Guardianship, School


class AuthorityError(ValueError):
    """The message is safe to show."""


def unconfirmed(school: School) -> QuerySet[Guardianship]:
    """Guardians of the school's current pupils whose authority nobody has stated yet."""
    return (
        Guardianship.objects.filter(
            pupil__school=school, pupil__left_on__isnull=True, has_parental_authority=None
        )
        .select_related("guardian", "pupil", "pupil__group")
        .order_by("pupil__given_name", "pupil__family_name", "guardian__full_name")
    )


@transaction.atomic
def set_authority(staff: User, guardianship: Guardianship, has_authority: bool) -> Guardianship:
    """The leadership states whether this guardian holds parental authority over the pupil."""
    pupil = guardianship.pupil
    if not access.leads_school(staff, pupil.school):
        raise AuthorityError(_("Only the school leadership can confirm parental authority."))
    before = guardianship.has_parental_authority
    if before is has_authority:
        return guardianship
    guardianship.has_parental_authority = has_authority
    guardianship.save(update_fields=["has_parental_authority"])
    audit(
        "guardian.authority_set",
        actor=staff,
        obj=guardianship,
        school_id=pupil.school_id,
        data={
            "pupil_id": pupil.pk,
            "guardian_id": guardianship.guardian_id,
            "before": before,
            "has_authority": has_authority,
        },
    )
    consent_narrowed.send(sender=Guardianship, pupil_ids=[pupil.pk])
    return guardianship
