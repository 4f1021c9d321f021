"""Pupils of 16 and older: their own account, and being told that they now decide.

Why: from 16 only the pupil's own answers count (GDPR art. 8, UAVG art. 5); the guardians'
answers stop counting on the birthday. A pupil who cannot sign in could only decide on
paper, and one who is not told does not know that they may refuse or withdraw at any time
(the Dutch data protection authority asks schools to tell them). So the leadership gives a
pupil an account (an e-mail address; sign-in is by an e-mailed code, like guardians), the
pupil is told at once, and a pupil who already has an account is told on their birthday by
the daily job. The leadership sees who decides without an account yet.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from consentry.accounts.models import User
from consentry.audit.services import record as audit
from consentry.mail.links import absolute_url, sign_in_url
from consentry.mail.models import OutgoingMail
from consentry.mail.services import queue_mail
from consentry.schools import access
from consentry.schools.models import AGE_OF_OWN_CONSENT, Pupil, School

from .common import normalise_email

TELL_WITHIN = timedelta(days=30)  # a birthday missed by the job (server down) is still told


class AccountError(ValueError):
    """The message is safe to show."""


def born_by(day: date) -> date:
    """The latest date of birth of someone who is 16 on `day` (29 February: 1 March)."""
    try:
        return day.replace(year=day.year - AGE_OF_OWN_CONSENT)
    except ValueError:
        return date(day.year - AGE_OF_OWN_CONSENT, 2, 28)


def deciding_pupils(school: School, on: date | None = None) -> QuerySet[Pupil]:
    """The school's current pupils who decide for themselves (16 or older)."""
    day = on or timezone.localdate()
    return (
        Pupil.objects.current()
        .filter(school=school, date_of_birth__lte=born_by(day))
        .select_related("account", "group")
        .order_by("given_name", "family_name")
    )


@transaction.atomic
def give_account(staff: User, pupil: Pupil, email: str) -> User:
    """The leadership gives a pupil of 16 or older an account, and the pupil is told."""
    if not access.leads_school(staff, pupil.school):
        raise AccountError(_("Only the school leadership can give a pupil an account."))
    if not pupil.decides_for_self(timezone.localdate()):
        raise AccountError(_("A pupil decides from 16: give the account from the birthday."))
    if pupil.account_id is not None:
        raise AccountError(_("This pupil already has an account."))
    address = normalise_email(email)
    if address is None:
        raise AccountError(_("Enter a valid e-mail address."))
    if User.objects.filter(email__iexact=address).exists():
        raise AccountError(
            _("This e-mail address already belongs to an account. Use the pupil's own address.")
        )
    user = User.objects.create_user(address, None, full_name=pupil.full_name)
    pupil.account = user
    pupil.save(update_fields=["account"])
    audit(
        "pupil.account_given",
        actor=staff,
        obj=pupil,
        school_id=pupil.school_id,
        data={"pupil_id": pupil.pk, "user_id": user.pk},
    )
    tell(pupil)
    return user


def tell(pupil: Pupil, now: datetime | None = None) -> OutgoingMail:
    """Mail the pupil that they now decide, and that a no or a withdrawal is always possible."""
    user = pupil.account
    assert user is not None
    with translation.override(user.preferred_language):
        context = {
            "pupil": pupil,
            "school": pupil.school,
            "sign_in_url": sign_in_url(),
            "consent_url": absolute_url("pupil_consent", pupil.pk),
        }
        subject = render_to_string("roster/email/decides_subject.txt", context).strip()
        body = render_to_string("roster/email/decides.txt", context)
    mail = queue_mail(
        user.email,
        subject,
        body,
        kind=OutgoingMail.Kind.OTHER,
        recipient=user,
        pupil=pupil,
        school=pupil.school,
    )
    Pupil.objects.filter(pk=pupil.pk).update(told_decides_at=now or timezone.now())
    return mail


def tell_those_who_turned_16(on: date | None = None) -> int:
    """Tell every pupil with an account whose 16th birthday has come (within the last month)
    and who was not told yet. Safe to run twice: `told_decides_at` marks who was told."""
    day = on or timezone.localdate()
    due = Pupil.objects.current().filter(
        account__isnull=False,
        account__is_active=True,
        told_decides_at__isnull=True,
        date_of_birth__lte=born_by(day),
        date_of_birth__gt=born_by(day - TELL_WITHIN),
    )
    told = 0
    for pupil in due.select_related("account", "school"):
        with transaction.atomic():
            tell(pupil)
        told += 1
    return told
